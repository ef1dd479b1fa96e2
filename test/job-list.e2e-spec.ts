import { loginAdmin, newUser } from './support/actors.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** GET /api/v1/jobs is built as JSON by PostgreSQL; it must show exactly what GET /api/v1/jobs/:id shows. */
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
});
