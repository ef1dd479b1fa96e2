import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { loginAdmin, newUser, strongPassword, uniqueName, type Actor } from './support/actors.js';
import { Db } from './support/scheduling.js';
import { createTestApp, TEST_ADMIN, type TestApp } from './support/test-app.js';

const REFUSAL = 'is not accepted: __proto__, constructor and prototype are reserved names, at any depth';

const TOO_DEEP = 'the body is nested deeper than 100 levels';

/** 400 with this one message. */
function expect400(res: Response, message: string): void {
  expect({ status: res.status, body: res.body as unknown }).toEqual({
    status: 400,
    body: { statusCode: 400, message: [message], error: 'Bad Request' },
  });
}

/** 400 naming the reserved key at `path`. */
const expectRefused = (res: Response, path: string): void => expect400(res, `${path} ${REFUSAL}`);

const deep = (levels: number): string => `{"a":${'['.repeat(levels)}${']'.repeat(levels)}}`;

/** Raw JSON (so that `__proto__` is a key, not a prototype) with a reserved key or too deep, and the answer. */
const BAD_BODIES: Array<{ label: string; json: string; message: string }> = [
  { label: 'constructor at the top', json: '{"constructor":"x"}', message: `constructor ${REFUSAL}` },
  { label: '__proto__ at the top', json: '{"__proto__":{"is_admin":true}}', message: `__proto__ ${REFUSAL}` },
  { label: 'prototype at the top', json: '{"prototype":{}}', message: `prototype ${REFUSAL}` },
  {
    label: 'constructor nested',
    json: '{"a":{"b":[1,{"constructor":{"name":"x"}}]}}',
    message: `a.b[1].constructor ${REFUSAL}`,
  },
  { label: '__proto__ nested', json: '{"a":[{"__proto__":{"polluted":true}}]}', message: `a[0].__proto__ ${REFUSAL}` },
  {
    label: 'constructor.prototype nested',
    json: '{"a":{"constructor":{"prototype":{}}}}',
    message: `a.constructor ${REFUSAL}`,
  },
  // 10,000 levels overflowed class-transformer's recursion (a 500) before.
  { label: '101 levels (an object around 100 arrays)', json: deep(100), message: TOO_DEEP },
  { label: '10,000 levels', json: deep(10_000), message: TOO_DEEP },
];

interface Part {
  name: string;
  value: string;
  filename?: string;
  contentType?: string;
}

/** A multipart/form-data body built by hand, so that a part can declare its own content type. */
function multipart(parts: Part[]): { contentType: string; body: Buffer } {
  const boundary = `----cronwarden${randomUUID()}`;
  const chunks = parts.map((part) => {
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}`;
    const type = part.contentType ? `\r\nContent-Type: ${part.contentType}` : '';
    return `--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n${part.value}\r\n`;
  });
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.from(`${chunks.join('')}--${boundary}--\r\n`),
  };
}

describe('reserved keys in request bodies (__proto__, constructor, prototype)', () => {
  let t: TestApp;
  let db: Db;
  let admin: Actor;
  let victim: Actor;
  let jobId: string;
  let roleId: string;
  let scriptId: string;

  beforeAll(async () => {
    t = await createTestApp();
    db = await Db.connect(t);
    admin = await loginAdmin(t);
    victim = await newUser(t, { roles: ['viewer'] });
    const job = await t
      .http()
      .post('/api/v1/jobs')
      .set('Authorization', admin.bearer)
      .send({ name: 'target', job_class_string: 'SampleJob', pub_args: ['hello'], paused: true });
    expect(job.status).toBe(201);
    jobId = job.body.job_id;
    const role = await t
      .http()
      .post('/api/v1/roles')
      .set('Authorization', admin.bearer)
      .send({ name: uniqueName('role').replace(/-/g, '_'), permissions: ['job_view'] });
    expect(role.status).toBe(201);
    roleId = role.body.id;
    const script = await t
      .http()
      .post('/api/v1/scripts')
      .set('Authorization', admin.bearer)
      .send({ name: 'target.mjs', source: 'export function run() { return 1; }' });
    expect(script.status).toBe(201);
    scriptId = script.body.script_id;
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  /**
   * Every table's rows (instance heartbeats aside), so that "nothing was written, not even half"
   * is one comparison.
   */
  async function snapshot(): Promise<Record<string, string>> {
    const tables = await db.rows<{ name: string }>(
      `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'instances' ORDER BY 1`,
    );
    const result: Record<string, string> = {};
    for (const { name } of tables) {
      const [row] = await db.rows<{ digest: string }>(
        `SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS digest
           FROM "${name}" t`,
      );
      result[name] = row.digest;
    }
    return result;
  }

  /** Real ids for the path parameters, so that a request that got through would act on something. */
  function concrete(path: string): string {
    return path
      .replace('{job_id}', jobId)
      .replace('{script_id}', scriptId)
      .replace(/\/users\/\{id\}/, `/users/${victim.id}`)
      .replace(/\/roles\/\{id\}/, `/roles/${roleId}`)
      .replace(/\{[^}]+\}/g, randomUUID());
  }

  /** Every route of the OpenAPI document that takes a body: a route added later is covered too. */
  async function routesWithBodies(): Promise<Array<{ method: 'post' | 'put' | 'patch' | 'delete'; path: string }>> {
    const doc = await t.http().get('/docs-json').expect(200);
    const paths = doc.body.paths as Record<string, Record<string, unknown>>;
    return Object.entries(paths).flatMap(([path, operations]) =>
      (['post', 'put', 'patch', 'delete'] as const)
        .filter((method) => method in operations)
        .map((method) => ({ method, path })),
    );
  }

  it('lists the routes that take a body from the OpenAPI document, the ones that matter included', async () => {
    const routes = (await routesWithBodies()).map(({ method, path }) => `${method} ${path}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'post /api/v1/auth/login',
        'put /api/v1/auth/me/password',
        'post /api/v1/scripts',
        'post /api/v1/jobs',
        'put /api/v1/jobs/{job_id}',
        'post /api/v1/users',
        'patch /api/v1/users/{id}',
        'put /api/v1/users/{id}/roles',
        'post /api/v1/roles',
        'patch /api/v1/roles/{id}',
      ]),
    );
  });

  it('answers 400 naming the key (or the depth), on every route that takes a body, and writes nothing', async () => {
    const routes = await routesWithBodies();
    expect(routes.length).toBeGreaterThanOrEqual(15);
    const before = await snapshot();
    const answers: string[] = [];
    for (const { method, path } of routes) {
      for (const { label, json, message } of BAD_BODIES) {
        const res = await t
          .http()
          [method](concrete(path))
          .set('Authorization', admin.bearer)
          .set('Content-Type', 'application/json')
          .send(json);
        answers.push(`${method} ${path} (${label}): ${res.status}`);
        expect400(res, message);
      }
    }
    expect(answers.filter((answer) => / 5\d\d$/.test(answer))).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  describe('a body that is valid but for one reserved key is refused whole; without the key it goes through', () => {
    const cases: Array<{
      route: string;
      method: 'post' | 'put' | 'patch';
      url: () => string;
      poisoned: () => string;
      clean: () => Record<string, unknown>;
      keyPath: string;
      success: number;
    }> = [
      {
        route: 'POST /api/v1/scripts (JSON, the review’s case)',
        method: 'post',
        url: () => '/api/v1/scripts',
        poisoned: () => '{"name":"p.mjs","source":"export function run() {}","constructor":{"name":"x"}}',
        clean: () => ({ name: 'p.mjs', source: 'export function run() {}' }),
        keyPath: 'constructor',
        success: 201,
      },
      {
        route: 'POST /api/v1/jobs (nested in a CurlJob body argument)',
        method: 'post',
        url: () => '/api/v1/jobs',
        poisoned: () =>
          '{"name":"p","job_class_string":"CurlJob","paused":true,' +
          '"pub_args":["http://example.com/","POST",{"data":{"constructor":"x"}}]}',
        clean: () => ({
          name: 'p',
          job_class_string: 'CurlJob',
          paused: true,
          pub_args: ['http://example.com/', 'POST', { data: { kind: 'x' } }],
        }),
        keyPath: 'pub_args[2].data.constructor',
        success: 201,
      },
      {
        route: 'PUT /api/v1/jobs/:job_id (__proto__ beside a real change)',
        method: 'put',
        url: () => `/api/v1/jobs/${jobId}`,
        poisoned: () => '{"hour":"3","__proto__":{"owner_id":"x"}}',
        clean: () => ({ hour: '3' }),
        keyPath: '__proto__',
        success: 200,
      },
      {
        route: 'POST /api/v1/auth/login (right password)',
        method: 'post',
        url: () => '/api/v1/auth/login',
        poisoned: () => JSON.stringify(TEST_ADMIN).replace('}', ',"prototype":{"admin":true}}'),
        clean: () => ({ ...TEST_ADMIN }),
        keyPath: 'prototype',
        success: 200,
      },
      {
        route: 'POST /api/v1/users (__proto__ carrying roles)',
        method: 'post',
        url: () => '/api/v1/users',
        poisoned: () => `{"username":"poison-user","password":"${strongPassword()}","__proto__":{"roles":["admin"]}}`,
        clean: () => ({ username: 'poison-user', password: strongPassword() }),
        keyPath: '__proto__',
        success: 201,
      },
      {
        route: 'PATCH /api/v1/users/:id',
        method: 'patch',
        url: () => `/api/v1/users/${victim.id}`,
        poisoned: () => '{"email":"victim@example.com","constructor":{"prototype":{"is_active":false}}}',
        clean: () => ({ email: 'victim@example.com' }),
        keyPath: 'constructor',
        success: 200,
      },
      {
        route: 'PUT /api/v1/users/:id/roles',
        method: 'put',
        url: () => `/api/v1/users/${victim.id}/roles`,
        poisoned: () => '{"roles":["job_manager"],"constructor":"admin"}',
        clean: () => ({ roles: ['job_manager'] }),
        keyPath: 'constructor',
        success: 200,
      },
      {
        route: 'POST /api/v1/roles',
        method: 'post',
        url: () => '/api/v1/roles',
        poisoned: () => '{"name":"poison_role","permissions":["job_view"],"prototype":{"permissions":["user_manage"]}}',
        clean: () => ({ name: 'poison_role', permissions: ['job_view'] }),
        keyPath: 'prototype',
        success: 201,
      },
      {
        route: 'PATCH /api/v1/roles/:id',
        method: 'patch',
        url: () => `/api/v1/roles/${roleId}`,
        poisoned: () => '{"description":"changed","__proto__":{"permissions":["user_manage"]}}',
        clean: () => ({ description: 'changed' }),
        keyPath: '__proto__',
        success: 200,
      },
    ];

    it.each(cases)('$route', async ({ method, url, poisoned, clean, keyPath, success }) => {
      const before = await snapshot();
      const res = await t
        .http()
        [method](url())
        .set('Authorization', admin.bearer)
        .set('Content-Type', 'application/json')
        .send(poisoned());
      expectRefused(res, keyPath);
      expect(await snapshot()).toEqual(before);

      const accepted = await t.http()[method](url()).set('Authorization', admin.bearer).send(clean());
      expect({ status: accepted.status, body: accepted.body as unknown }).toEqual({
        status: success,
        body: expect.any(Object),
      });
    });

    it('PUT /api/v1/auth/me/password (the password stays)', async () => {
      const user = await newUser(t);
      const hashBefore = await db.rows('SELECT password_hash FROM users WHERE id = $1', [user.id]);
      const body = `{"current_password":"${user.password}","new_password":"${strongPassword()}","constructor":{}}`;
      const res = await t
        .http()
        .put('/api/v1/auth/me/password')
        .set('Authorization', user.bearer)
        .set('Content-Type', 'application/json')
        .send(body);
      expectRefused(res, 'constructor');
      expect(await db.rows('SELECT password_hash FROM users WHERE id = $1', [user.id])).toEqual(hashBefore);
      await t.http().get('/api/v1/auth/me').set('Authorization', user.bearer).expect(200);
    });
  });

  describe('POST /api/v1/scripts as multipart', () => {
    const upload = (parts: Part[]) => {
      const { contentType, body } = multipart(parts);
      return t
        .http()
        .post('/api/v1/scripts')
        .set('Authorization', admin.bearer)
        .set('Content-Type', contentType)
        .send(body);
    };
    const file: Part = { name: 'file', filename: 'up.mjs', value: 'export function run() { return 2; }' };
    const scriptCount = () => db.count('SELECT count(*) AS count FROM scripts');

    // Names of Object.prototype's own members are refused by @fastify/multipart itself, which does not say which.
    it.each([
      ['constructor', 'Invalid field name'],
      ['__proto__', 'Invalid field name'],
      ['prototype', 'Invalid field name - prototype'],
      ['meta[constructor]', 'Invalid field name - meta[constructor]'],
      ['meta[a][__proto__]', 'Invalid field name - meta[a][__proto__]'],
    ])('refuses a text field named %s with 400 (%s) and stores nothing', async (name, message) => {
      const before = await scriptCount();
      const res = await upload([file, { name, value: 'x' }]);
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 400,
        body: { statusCode: 400, message, error: 'Bad Request' },
      });
      expect(await scriptCount()).toBe(before);
    });

    it('refuses a JSON field holding a constructor key with 400 naming it (class-transformer never sees it)', async () => {
      const before = await snapshot();
      const res = await upload([
        { name: 'name', value: 'fields.mjs' },
        { name: 'source', value: '{"constructor":"x"}', contentType: 'application/json' },
      ]);
      expectRefused(res, 'source.constructor');
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a JSON field nested too deep with 400 (the multipart body is checked like a JSON one)', async () => {
      const before = await scriptCount();
      const res = await upload([
        { name: 'name', value: 'fields.mjs' },
        { name: 'source', value: '['.repeat(500) + ']'.repeat(500), contentType: 'application/json' },
      ]);
      expect400(res, TOO_DEEP);
      expect(await scriptCount()).toBe(before);
    });

    it('refuses a JSON field holding __proto__ with 400', async () => {
      const before = await scriptCount();
      const res = await upload([
        { name: 'name', value: 'fields.mjs' },
        { name: 'source', value: '{"a":{"__proto__":{"polluted":true}}}', contentType: 'application/json' },
      ]);
      // @fastify/multipart parses JSON fields with secure-json-parse, which refuses __proto__ itself.
      expect({ status: res.status, body: res.body as unknown }).toEqual({
        status: 400,
        body: {
          statusCode: 400,
          message: 'a request field is not a valid JSON as declared by its Content-Type',
          error: 'Bad Request',
        },
      });
      expect(await scriptCount()).toBe(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('still takes an ordinary multipart upload', async () => {
      const res = await upload([file]);
      expect(res.status).toBe(201);
      expect(res.body.name).toBe('up.mjs');
    });
  });

  it('leaves Object.prototype alone through all of it', () => {
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('is_admin');
    expect(Object.prototype).not.toHaveProperty('roles');
  });
});
