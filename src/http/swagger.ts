import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { APP_VERSION } from '../common/app-version.js';

export const BEARER_AUTH = 'bearer';

/** What the Authorize box says: the token alone, Swagger UI adds "Bearer " itself. */
export const BEARER_DESCRIPTION =
  'Paste the access_token from POST /api/v1/auth/login alone, without "Bearer " in front ' +
  '(Swagger UI adds it). It is kept across reloads of this page until you log out here.';

/**
 * The tags in the order a user meets them (log in, jobs, what they did), then administration and
 * operations. A tag used by a route but missing here is listed after these, alphabetically.
 */
export const TAG_ORDER: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'auth', description: 'Log in and out, who am I, change my password' },
  { name: 'jobs', description: 'Jobs on cron schedules: create, change, pause, resume, run now, delete' },
  { name: 'executions', description: 'Runs of jobs: state, timings, result, output; stop a running one' },
  { name: 'logs', description: 'Audit log: who changed what, and when' },
  { name: 'scripts', description: 'Uploaded scripts for ScriptJob' },
  { name: 'users', description: 'User accounts (user_manage)' },
  { name: 'roles', description: 'Roles and the permission catalogue (role_manage)' },
  { name: 'webhooks', description: 'Signed HTTP callbacks when runs end and jobs are paused, resumed or deleted' },
  { name: 'job-classes', description: 'The job-class catalogue: what a job can run, and its arguments' },
  { name: 'dashboard', description: "One summary of the caller's jobs and runs, for the web UI's first page" },
  { name: 'events', description: 'Live events and live output (Server-Sent Events)' },
  { name: 'instances', description: 'The Cronwarden instances (replicas) sharing this database' },
  { name: 'scheduler', description: 'The scheduler switch: pause and resume firing on every instance (admins)' },
  { name: 'health', description: 'Liveness and readiness' },
  { name: 'metrics', description: 'Prometheus metrics' },
];

/** `document.tags` in TAG_ORDER, keeping only tags some route uses, then the others alphabetically. */
export function orderTags(document: OpenAPIObject): NonNullable<OpenAPIObject['tags']> {
  const used = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item as Record<string, { tags?: string[] } | undefined>)) {
      for (const tag of operation?.tags ?? []) used.add(tag);
    }
  }
  const known = TAG_ORDER.filter((tag) => used.has(tag.name));
  const others = [...used]
    .filter((name) => !TAG_ORDER.some((tag) => tag.name === name))
    .sort()
    .map((name) => document.tags?.find((tag) => tag.name === name) ?? { name });
  return [...known, ...others];
}

/**
 * Swagger UI at `/docs`, the OpenAPI document at `/docs-json`, with the bearer scheme declared; the
 * document is built when first asked for.
 */
export function setUpSwagger(app: NestFastifyApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Cronwarden')
    .setDescription(
      'Multi-user job scheduler: jobs on cron schedules, executions, audit logs, roles and permissions. ' +
        'Log in with POST /api/v1/auth/login, then press "Authorize" and paste the access_token alone ' +
        '(without "Bearer "). The authorization is kept across reloads of this page.',
    )
    .setVersion(APP_VERSION)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: BEARER_DESCRIPTION },
      BEARER_AUTH,
    )
    .build();
  // Built on the first request for /docs or /docs-json (then kept), not at start: a server nobody asks
  // for its API description does without the document (≈ 0.5 MiB of heap) and start-up is shorter.
  const buildDocument = (): OpenAPIObject => {
    const document = SwaggerModule.createDocument(app, config);
    document.tags = orderTags(document);
    return document;
  };
  SwaggerModule.setup('docs', app, buildDocument, {
    jsonDocumentUrl: 'docs-json',
    raw: ['json'],
    swaggerOptions: { persistAuthorization: true },
  });
}
