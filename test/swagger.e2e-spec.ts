import { loginAdmin } from './support/actors.js';
import { Db } from './support/scheduling.js';
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
    expect(res.body.components.securitySchemes.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: expect.stringContaining('access_token from POST /api/v1/auth/login alone, without "Bearer "'),
    });
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

  it("lists the tags in a user's order: auth, jobs, executions, logs, scripts, users, roles, ...", async () => {
    const res = await t.http().get('/docs-json').expect(200);
    const tags = (res.body.tags as Array<{ name: string; description?: string }>).map((tag) => tag.name);
    expect(tags).toEqual([
      'auth',
      'jobs',
      'executions',
      'logs',
      'scripts',
      'users',
      'roles',
      'webhooks',
      'job-classes',
      'dashboard',
      'events',
      'instances',
      'scheduler',
      'health',
      'metrics',
    ]);
    // every tag a route uses is listed once (Swagger UI shows listed tags in this order)
    const used = new Set(
      Object.values(res.body.paths as Record<string, Record<string, { tags?: string[] }>>).flatMap((methods) =>
        Object.values(methods).flatMap((operation) => operation.tags ?? []),
      ),
    );
    expect([...tags].sort()).toEqual([...used].sort());
  });

  it('gives the time-range parameters no example, so "Try it out" sends none and the defaults apply', async () => {
    const res = await t.http().get('/docs-json').expect(200);
    const timeRange = Object.entries(
      res.body.paths as Record<string, Record<string, { parameters?: Array<Record<string, unknown>> }>>,
    ).flatMap(([path, methods]) =>
      Object.values(methods).flatMap((operation) =>
        (operation.parameters ?? [])
          .filter((parameter) => String(parameter.name).startsWith('time_range_'))
          .map((parameter) => ({ path, parameter })),
      ),
    );
    expect(timeRange.map(({ path, parameter }) => `${path} ${String(parameter.name)}`)).toEqual(
      expect.arrayContaining([
        '/api/v1/executions time_range_start',
        '/api/v1/executions time_range_end',
        '/api/v1/logs time_range_start',
        '/api/v1/logs time_range_end',
      ]),
    );
    for (const { path, parameter } of timeRange) {
      const schema = (parameter.schema ?? {}) as Record<string, unknown>;
      expect({ path, name: parameter.name, example: parameter.example ?? schema.example }).toEqual({
        path,
        name: parameter.name,
        example: undefined,
      });
      expect(parameter.examples).toBeUndefined();
      expect(schema.default).toBeUndefined();
    }
  });

  it("POST /jobs's examples are safe to execute: paused SampleJobs, which the API accepts as they are", async () => {
    const res = await t.http().get('/docs-json').expect(200);
    const content = res.body.paths['/api/v1/jobs'].post.requestBody.content['application/json'] as {
      examples: Record<string, { value: Record<string, unknown> }>;
    };
    const examples = Object.values(content.examples).map((entry) => entry.value);
    expect(examples.length).toBeGreaterThanOrEqual(1);
    for (const each of examples) expect(each).toMatchObject({ job_class_string: 'SampleJob', paused: true });
    // the first, the one Swagger UI fills in: a cron job every minute
    const example = examples[0];
    expect(example).toMatchObject({
      job_class_string: 'SampleJob',
      paused: true,
      month: '*',
      day_of_week: '*',
      day: '*',
      hour: '*',
      minute: '*',
    });
    // the schema's own examples (what Swagger UI shows for PUT) are just as harmless
    const properties = res.body.components.schemas.CreateJobDto.properties as Record<string, { example?: unknown }>;
    expect(properties.paused.example).toBe(true);
    expect(properties.month.example).toBe('*');
    expect(properties.minute.example).toBe('*');

    const admin = await loginAdmin(t);
    const db = await Db.connect(t);
    try {
      for (const each of examples) {
        const created = await t.http().post('/api/v1/jobs').set('Authorization', admin.bearer).send(each).expect(201);
        expect(created.body).toMatchObject({ job_class_string: 'SampleJob', paused: true, next_run_time: null });
        expect(await db.job(String(created.body.job_id))).toMatchObject({ paused: true, next_run_time: null });
      }
    } finally {
      await db.end();
    }
  });

  it('keeps the authorization across reloads (persistAuthorization) and serves /docs under the strict CSP', async () => {
    const init = await t.http().get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toMatch(/"persistAuthorization":\s*true/);
    const page = await t.http().get('/docs').expect(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    // every script of the page is a file of ours: nothing inline that the CSP would block
    const scripts = [...page.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\.?\/?[^":]+"/);
      expect(body.trim()).toBe('');
    }
    expect(page.text).not.toMatch(/\son[a-z]+=/i);
  });
});
