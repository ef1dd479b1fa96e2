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

  it('serves Swagger UI at /docs with its assets', async () => {
    const page = await t.http().get('/docs').expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('swagger-ui');
    const init = await t.http().get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('/health');
    await t.http().get('/docs/swagger-ui-bundle.js').expect(200);
  });
});
