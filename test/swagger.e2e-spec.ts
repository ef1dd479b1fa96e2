import { createTestApp, type TestApp } from './support/test-app.js';

describe('Swagger', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves the OpenAPI document at /docs-json with the bearer scheme declared', async () => {
    const res = await t.http().get('/docs-json').expect(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.info.title).toBe('Cronwarden');
    expect(res.body.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(res.body.paths['/health'].get.responses).toHaveProperty('200');
    expect(res.body.paths['/health'].get.responses).toHaveProperty('503');
  });

  it('documents, for every route but the public ones, the bearer scheme, the permission, 401 and 403', async () => {
    const res = await t.http().get('/docs-json').expect(200);
    // refresh: authenticated by its HttpOnly cookie, not a bearer token
    const publicRoutes = ['get /health', 'post /api/v1/auth/login', 'post /api/v1/auth/refresh'];
    const operations = Object.entries(
      res.body.paths as Record<string, Record<string, Record<string, unknown>>>,
    ).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route: `${method} ${path}`, operation })),
    );
    expect(operations.length).toBeGreaterThan(15);
    for (const { route, operation } of operations) {
      if (publicRoutes.includes(route)) {
        expect({ route, security: operation.security }).toEqual({ route, security: undefined });
        continue;
      }
      expect({ route, security: operation.security }).toEqual({ route, security: [{ bearer: [] }] });
      expect({ route, permissions: operation['x-required-permissions'] }).toEqual({
        route,
        permissions: { mode: expect.stringMatching(/^(all|any|admin)$/), permissions: expect.any(Array) },
      });
      expect(Object.keys(operation.responses as object)).toEqual(expect.arrayContaining(['401', '403']));
    }
  });

  it('documents the login answers, including 429', async () => {
    const res = await t.http().get('/docs-json').expect(200);
    const loginResponses = Object.keys(res.body.paths['/api/v1/auth/login'].post.responses as object);
    expect(loginResponses).toEqual(expect.arrayContaining(['200', '400', '401', '429']));
    expect(res.body.components.schemas.LoginResponse.properties).toHaveProperty('access_token');
  });

  it('serves Swagger UI at /docs with its assets', async () => {
    const page = await t.http().get('/docs').expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('swagger-ui');
    const init = await t.http().get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('/health');
    await t.http().get('/docs/swagger-ui-bundle.js').expect(200);
  });
});
