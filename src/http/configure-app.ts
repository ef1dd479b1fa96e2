import helmet from '@fastify/helmet';
import { ValidationPipe } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { setUpSwagger } from './swagger.js';
import { AllExceptionsFilter } from './all-exceptions.filter.js';
import { REQUEST_ID_HEADER, assignRequestId } from './request-id.js';

/** JSON bodies above this are refused with 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** @param trustProxy take the client address from X-Forwarded-For (TRUST_PROXY) */
export function createFastifyAdapter(trustProxy = false): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: assignRequestId,
    logger: false,
    trustProxy,
    forceCloseConnections: 'idle',
  });
}

/** Everything the HTTP side needs, shared by `main.ts` and the e2e tests. */
export async function configureApp(app: NestFastifyApplication): Promise<void> {
  app.useLogger(app.get(Logger));
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
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false }),
  );
  app.useGlobalFilters(new AllExceptionsFilter());
  setUpSwagger(app);
}
