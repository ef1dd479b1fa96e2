import helmet from '@fastify/helmet';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyServerOptions, RawServerDefault } from 'fastify';
import { Logger } from 'nestjs-pino';
import type { TrustProxy } from '../config/config.schema.js';
import { QuietFrameworkLogger } from '../logging/quiet-framework.logger.js';
import { AllExceptionsFilter } from './all-exceptions.filter.js';
import { AppValidationPipe } from './app-validation.pipe.js';
import { assertAcceptableBody } from './body-guard.js';
import { REQUEST_ID_HEADER, assignRequestId } from './request-id.js';
import { setUpSwagger } from './swagger.js';
import { serveWebUi } from './web-ui.js';

/** JSON bodies above this are refused with 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * TRUST_PROXY as Fastify's `trustProxy` (which `request.ip` follows). A hop count becomes a function
 * of the hop: Fastify 5 takes a bare number for "trust nobody" (it cannot check the peer).
 */
export function fastifyTrustProxy(trustProxy: TrustProxy): FastifyServerOptions['trustProxy'] {
  if (trustProxy === false) return false;
  if ('hops' in trustProxy) {
    const { hops } = trustProxy;
    return (_address: string, hop: number) => hop < hops;
  }
  return trustProxy.proxies;
}

/** @param trustProxy which X-Forwarded-For entries give the client address (TRUST_PROXY) */
export function createFastifyAdapter(trustProxy: TrustProxy = false): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: assignRequestId,
    logger: false,
    trustProxy: fastifyTrustProxy(trustProxy),
    forceCloseConnections: 'idle',
  });
}

/** Everything the HTTP side needs, shared by `main.ts` and the e2e tests. */
export async function configureApp(app: NestFastifyApplication): Promise<void> {
  app.useLogger(new QuietFrameworkLogger(app.get(Logger)));
  app.flushLogs();
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: [`'self'`],
        styleSrc: [`'self'`, `'unsafe-inline'`],
        imgSrc: [`'self'`, 'data:', 'validator.swagger.io'],
        scriptSrc: [`'self'`],
        // Cronwarden is often served over plain HTTP (127.0.0.1, a LAN address): upgrading would break Swagger UI.
        upgradeInsecureRequests: null,
      },
    },
  });
  // Every JSON body, on every route, as it is parsed: Fastify's parser (empty body, malformed JSON),
  // then a 400 naming any __proto__, constructor or prototype key, or a body nested too deep, before
  // guards or handlers see it.
  const parseJson = fastify.getDefaultJsonParser('ignore', 'ignore');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit: BODY_LIMIT_BYTES }, (request, body, done) => {
    // Fastify's parser answers through the callback (its return value is nothing to wait for).
    void parseJson(request, body.toString('utf8'), (error, parsed) => {
      if (error) return done(error, undefined);
      try {
        assertAcceptableBody(parsed);
      } catch (refused) {
        return done(refused as Error, undefined);
      }
      done(null, parsed);
    });
  });
  // Every @Body() of every route (multipart ones included) is checked again there.
  app.useGlobalPipes(new AppValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  setUpSwagger(app);
  await serveWebUi(app);
}
