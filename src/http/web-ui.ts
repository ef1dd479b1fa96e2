import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Paths that belong to the API and the operators, never to the UI (an unknown one stays a JSON 404). */
const SERVER_PATHS = /^\/(api|docs|health|metrics)(\/|$|-)/;

/** The folder holding package.json above `from` (the app's folder, also when running from dist/). */
function appFolder(from: string): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** Where Vite puts the built UI (`npm run build`). */
export function webRoot(): string {
  return path.join(appFolder(import.meta.dirname), 'dist', 'web');
}

/**
 * Serves the single-page UI (API.md "Web UI"): its hashed assets from dist/web, and index.html for
 * every other GET that is not the API's, Swagger's, /health or /metrics (history fallback, so
 * `/jobs/<id>` reloads). Plain Fastify routes: no Nest guard applies, nothing here needs a token.
 * Returns false (nothing served) when the UI is not built.
 */
export async function serveWebUi(app: NestFastifyApplication, root = webRoot()): Promise<boolean> {
  const indexFile = path.join(root, 'index.html');
  if (!existsSync(indexFile)) return false;
  const indexHtml = readFileSync(indexFile);
  const fastify = app.getHttpAdapter().getInstance();
  await app.register(fastifyStatic, {
    root: path.join(root, 'assets'),
    prefix: '/assets/',
    immutable: true,
    maxAge: '365d',
    index: false,
    wildcard: true,
  });
  fastify.route({
    method: ['GET', 'HEAD'],
    url: '/*',
    handler: (request, reply) => {
      const url = request.url.split('?')[0];
      // The API's own 404 (JSON), exactly as for any other unknown route.
      if (SERVER_PATHS.test(url)) return reply.callNotFound();
      return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(indexHtml);
    },
  });
  fastify.get('/', (_request, reply) =>
    reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(indexHtml),
  );
  return true;
}
