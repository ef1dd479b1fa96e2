import { loginAdmin, newUser } from './support/actors.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** The job class object of API.md, and nothing else. */
const JOB_CLASS_KEYS = ['arguments', 'example_arguments', 'job_class_string', 'name', 'notes', 'requires_permission'];

interface JobClassBody {
  job_class_string: string;
  name: string;
  notes: string;
  arguments: Array<{ type: string; description: string }>;
  example_arguments: unknown[];
  requires_permission: string | null;
}

describe('Job classes (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function catalogue(bearer: string): Promise<JobClassBody[]> {
    const res = await t.http().get('/api/v1/job-classes').set('Authorization', bearer).expect(200);
    expect(Object.keys(res.body as object)).toEqual(['job_classes']);
    return (res.body as { job_classes: JobClassBody[] }).job_classes;
  }

  it('lists the built-in classes with the documented shape', async () => {
    const admin = await loginAdmin(t);
    const classes = await catalogue(admin.bearer);
    expect(classes.map((entry) => entry.job_class_string)).toEqual(['CurlJob', 'SampleJob', 'ScriptJob', 'ShellJob']);
    for (const entry of classes) {
      expect(Object.keys(entry).sort()).toEqual(JOB_CLASS_KEYS);
      expect(typeof entry.name).toBe('string');
      expect(typeof entry.notes).toBe('string');
      expect(Array.isArray(entry.example_arguments)).toBe(true);
      for (const argument of entry.arguments) {
        expect(Object.keys(argument).sort()).toEqual(['description', 'type']);
        expect(['string', 'number', 'integer', 'boolean', 'object', 'array', 'any']).toContain(argument.type);
      }
    }
    const byName = new Map(classes.map((entry) => [entry.job_class_string, entry]));
    expect(byName.get('SampleJob')).toMatchObject({
      requires_permission: null,
      arguments: [
        { type: 'string', description: expect.stringMatching(/^message\b/) },
        { type: 'number', description: expect.stringMatching(/^sleep_seconds \(optional, default 0\)/) },
        { type: 'boolean', description: expect.stringMatching(/^fail \(optional/) },
      ],
    });
    expect(byName.get('ShellJob')).toMatchObject({
      requires_permission: 'code_execute',
      arguments: [
        { type: 'string', description: expect.stringMatching(/^executable\b/) },
        { type: 'string', description: expect.stringMatching(/^args \(optional, any number\)/) },
      ],
      example_arguments: ['/bin/echo', 'hello'],
    });
    expect(byName.get('CurlJob')).toMatchObject({
      requires_permission: null,
      arguments: [
        { type: 'string', description: expect.stringMatching(/^url\b/) },
        { type: 'string', description: expect.stringMatching(/^method \(optional, default GET\)/) },
        { type: 'any', description: expect.stringMatching(/^body \(optional\)/) },
        { type: 'object', description: expect.stringMatching(/^headers \(optional\)/) },
        { type: 'object', description: expect.stringMatching(/^options \(optional\)/) },
      ],
    });
  });

  it('is open to a viewer (job_view)', async () => {
    const viewer = await newUser(t, { roles: ['viewer'] });
    expect((await catalogue(viewer.bearer)).length).toBe(4);
  });

  it('answers 403 to a user without job_view', async () => {
    const nobody = await newUser(t, { roles: [] });
    const res = await t.http().get('/api/v1/job-classes').set('Authorization', nobody.bearer).expect(403);
    expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
  });

  it('answers 401 without a token', async () => {
    await t.http().get('/api/v1/job-classes').expect(401);
  });

  it('is documented in the OpenAPI document', async () => {
    const res = await t.http().get('/docs-json').expect(200);
    const operation = res.body.paths['/api/v1/job-classes'].get;
    expect(operation['x-required-permissions']).toEqual({ mode: 'all', permissions: ['job_view'] });
    expect(Object.keys(operation.responses as object)).toEqual(expect.arrayContaining(['200', '401', '403']));
    expect(Object.keys(res.body.components.schemas.JobClassResponse.properties as object).sort()).toEqual(
      JOB_CLASS_KEYS,
    );
  });
});

describe('Job classes disabled by configuration (e2e)', () => {
  it('leaves a class named in JOB_CLASSES_DISABLED out of the catalogue', async () => {
    const t = await createTestApp({ env: { JOB_CLASSES_DISABLED: 'ShellJob' } });
    try {
      const admin = await loginAdmin(t);
      const res = await t.http().get('/api/v1/job-classes').set('Authorization', admin.bearer).expect(200);
      const names = (res.body as { job_classes: JobClassBody[] }).job_classes.map((entry) => entry.job_class_string);
      expect(names).toEqual(['CurlJob', 'SampleJob', 'ScriptJob']);
    } finally {
      await t.close();
    }
  });
});
