import { loginAdmin, newUser } from './support/actors.js';
import { waitFor } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** GET /api/v1/jobs must show exactly what GET /api/v1/jobs/:id shows, byte for byte. */
describe('job list', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('gives every job exactly the object of GET /api/v1/jobs/:job_id, owner included', async () => {
    const admin = await loginAdmin(t);
    const user = await newUser(t, { roles: ['job_manager'] });
    const bodies = [
      {
        name: 'b "quoted" \\ name',
        job_class_string: 'SampleJob',
        pub_args: ['x', 0, true],
        second: '*/5',
        timezone: 'Europe/Berlin',
      },
      {
        name: 'a paused',
        job_class_string: 'SampleJob',
        pub_args: ['é "ünïcode"', 2],
        paused: true,
        max_instances: 7,
      },
    ];
    for (const body of bodies)
      await t.http().post('/api/v1/jobs').set('Authorization', user.bearer).send(body).expect(201);
    await t
      .http()
      .post('/api/v1/jobs')
      .set('Authorization', admin.bearer)
      .send({ name: 'admin job', job_class_string: 'SampleJob', pub_args: ['y'] })
      .expect(201);

    const list = await t.http().get('/api/v1/jobs').set('Authorization', user.bearer).expect(200);
    expect(list.headers['content-type']).toContain('application/json');
    expect(list.body.total).toBe(2);
    expect((list.body.jobs as Array<{ name: string }>).map((job) => job.name)).toEqual([
      'a paused',
      'b "quoted" \\ name',
    ]);
    for (const job of list.body.jobs as Array<{ job_id: string; last_execution: unknown }>) {
      const one = await t.http().get(`/api/v1/jobs/${job.job_id}`).set('Authorization', user.bearer).expect(200);
      // A list item is the job object plus its latest execution (none yet).
      const { last_execution: lastExecution, ...item } = job;
      expect(lastExecution).toBeNull();
      expect(item).toEqual(one.body);
    }
    const page = await t.http().get('/api/v1/jobs?limit=1&offset=5').set('Authorization', admin.bearer).expect(200);
    expect(page.body).toEqual({ jobs: [], total: 3 });
  });

  it('writes the body byte for byte as JSON.stringify of { jobs: [job object + last_execution], total }', async () => {
    const user = await newUser(t, { roles: ['job_manager'] });
    const bodies = [
      {
        name: 'every trigger field: interval',
        job_class_string: 'CurlJob',
        pub_args: ['https://example.com/', 'POST', { b: [1, 2.5, null], a: 'x "y" \\ \u2028 z', n: -7, big: 1e21 }],
        trigger: 'interval',
        interval_seconds: 3600,
        start_date: '2031-01-02T03:04:05.678Z',
        end_date: '2032-01-01T00:00:00.000Z',
        jitter_seconds: 5,
        retries: 2,
        retry_delay_seconds: 10,
        retry_backoff: false,
        retry_delay_max_seconds: 60,
      },
      {
        name: 'once',
        job_class_string: 'SampleJob',
        pub_args: ['once'],
        trigger: 'date',
        run_date: '2031-05-06T07:08:09.010Z',
      },
      { name: 'run now, paused', job_class_string: 'SampleJob', pub_args: ['z'], paused: true },
    ];
    const ids: string[] = [];
    for (const body of bodies) {
      const created = await t.http().post('/api/v1/jobs').set('Authorization', user.bearer).send(body).expect(201);
      ids.push((created.body as { job_id: string }).job_id);
    }
    await t.http().post(`/api/v1/executions/${ids[2]}`).set('Authorization', user.bearer).expect(201);
    const latest = await waitFor('the run-now execution', async () => {
      const page = await t
        .http()
        .get(`/api/v1/executions?job_id=${ids[2]}`)
        .set('Authorization', user.bearer)
        .expect(200);
      return (page.body as { executions: Array<{ execution_id: string; state: string; scheduled_time: string }> })
        .executions[0];
    });

    const list = await t.http().get('/api/v1/jobs?sort=-created_time').set('Authorization', user.bearer).expect(200);
    expect(list.headers['content-type']).toBe('application/json; charset=utf-8');
    const jobs: unknown[] = [];
    for (const id of [...ids].reverse()) {
      const one = await t.http().get(`/api/v1/jobs/${id}`).set('Authorization', user.bearer).expect(200);
      const lastExecution =
        id === ids[2]
          ? { execution_id: latest.execution_id, state: expect.any(String), scheduled_time: latest.scheduled_time }
          : null;
      jobs.push({ ...(one.body as object), last_execution: lastExecution });
    }
    expect(list.body).toEqual({ jobs, total: 3 });
    // Byte for byte: the same text JSON.stringify writes of what was parsed (field order, escapes, numbers;
    // jsonb keeps an object's keys shortest first, then in byte order).
    expect(list.text).toBe(JSON.stringify(list.body));
    expect(list.text).toContain(
      '"pub_args":["https://example.com/","POST",{"a":"x \\"y\\" \\\\ \u2028 z","b":[1,2.5,null],"n":-7,"big":1e+21}]',
    );
  });
});
