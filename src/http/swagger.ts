import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { APP_VERSION } from '../common/app-version.js';

export const BEARER_AUTH = 'bearer';

/** Swagger UI at `/docs`, the OpenAPI document at `/docs-json`, with the bearer scheme declared. */
export function setUpSwagger(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Cronwarden')
    .setDescription(
      'Multi-user job scheduler: jobs on cron schedules, executions, audit logs, roles and permissions. ' +
        'Log in with POST /api/v1/auth/login, then press "Authorize" and paste the access_token.',
    )
    .setVersion(APP_VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_AUTH)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    raw: ['json'],
    swaggerOptions: { persistAuthorization: true },
  });
}
