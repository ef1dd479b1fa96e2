import { loginAdmin, newUser, uniqueName, type Actor } from './support/actors.js';
import { Db, type JobBody, restClient } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * `GET /jobs` and `GET /executions` have PostgreSQL write their items' JSON
 * (src/database/repositories/json-text.sql.ts). Their bodies must be, byte for byte, what
 * `JSON.stringify` writes of the object mapping that `GET /jobs/:id` and `GET /executions/:id` still
 * use, for the data that could tell them apart: strings every escape applies to, microseconds,
 * years outside 1–9999, jsonb numbers and keys, NULLs, nested objects.
 */
const AWKWARD =
  'quote " backslash \\ newline \n tab \t cr \r bs \b ff \f ctl \u0001\u001f del \u007f é 🚀 </script> \u2028';

describe('lists written by PostgreSQL: the same bytes as the object mapping', () => {
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let admin: Actor;
  let owner: Actor;
  const jobIds: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    db = await Db.connect(t);
    rest = restClient(t);
    admin = await loginAdmin(t);
    owner = await newUser(t, { username: uniqueName('lister'), roles: ['job_manager'] });
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const bodies: Array<Record<string, unknown>> = [
      { name: `a ${AWKWARD}`, job_class_string: 'SampleJob', pub_args: ['hi'] },
      {
        name: 'b interval',
        job_class_string: 'SampleJob',
        pub_args: ['hi'],
        trigger: 'interval',
        interval_seconds: 90,
        paused: true,
      },
      {
        name: 'c date',
        job_class_string: 'SampleJob',
        pub_args: ['hi'],
        trigger: 'date',
        run_date: future,
        retries: 2,
        jitter_seconds: 3,
      },
      { name: 'd never ran', job_class_string: 'SampleJob', pub_args: ['hi'], hour: '3', minute: '*/5' },
    ];
    for (const body of bodies) jobIds.push((await rest.createJob(owner, body)).job_id);
    // What the API does not write: microseconds everywhere, years outside 1–9999, jsonb in its own forms.
    await db.rows(
      `UPDATE jobs SET next_run_time = '2031-02-03 04:05:06.789999+00', created_time = '2020-01-01 00:00:00.000999+00',
              start_date = '0001-01-01 00:00:00.5 BC', end_date = '12345-06-07 08:09:10.123456+00',
              suspended_reason = $2,
              pub_args = '[{"b": 1.0, "aa": [1e2, -0.0, 12345678901234567890], "100": "x", "9": null}, "é\\u0001"]'
        WHERE id = $1`,
      [jobIds[0], AWKWARD],
    );
    await db.rows(`UPDATE jobs SET start_date = '0002-03-04 05:06:07.000001 BC' WHERE id = $1`, [jobIds[1]]);
    await db.rows(`UPDATE jobs SET pub_args = $2 WHERE id = $1`, [
      jobIds[3],
      JSON.stringify([AWKWARD, 1.5, -0, 1e21, { z: null, '': [] }]),
    ]);
    // Executions: a finished one with every field set, a pending retry of it, one without an owner.
    const [first] = await db.rows<{ id: string }>(
      `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                               started_time, finished_time, hostname, pid, description, result)
       VALUES ($1, $2, 'SampleJob', $3, 'failed', 'cron', now() - interval '10 minutes' + interval '0.000123 s',
               now() - interval '9 minutes', now() - interval '8 minutes 0.999 s', $4, 4242, $4, $4)
       RETURNING id`,
      [jobIds[0], `a ${AWKWARD}`, owner.id, AWKWARD],
    );
    await db.rows(
      `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                               attempt, retry_of, description)
       VALUES ($1, $2, 'SampleJob', $3, 'scheduled', 'retry', now() - interval '1 minute', 2, $4, '')`,
      [jobIds[0], `a ${AWKWARD}`, owner.id, first.id],
    );
    await db.rows(
      `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                               started_time, finished_time, description, result)
       VALUES ($1, 'c date', 'SampleJob', NULL, 'succeeded', 'manual', now() - interval '5 minutes',
               now() - interval '5 minutes', now() - interval '4 minutes', 'ownerless', NULL)`,
      [jobIds[2]],
    );
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  /** `JSON.stringify` of the object a single GET answers (the object mapping in Node). */
  async function single(actor: Actor, url: string): Promise<Record<string, unknown>> {
    const res = await rest.as(actor).get(url);
    expect(res.status).toBe(200);
    return JSON.parse(res.text) as Record<string, unknown>;
  }

  async function expectedJobs(actor: Actor, ids: string[]): Promise<string> {
    const jobs = [];
    for (const id of ids) {
      const job = (await single(actor, `/api/v1/jobs/${id}`)) as unknown as JobBody;
      const [latest] = await db.rows<{ id: string }>(
        'SELECT id FROM executions WHERE job_id = $1 ORDER BY scheduled_time DESC LIMIT 1',
        [id],
      );
      const execution = latest ? await single(admin, `/api/v1/executions/${latest.id}`) : undefined;
      jobs.push({
        ...job,
        last_execution: execution
          ? { execution_id: execution.execution_id, state: execution.state, scheduled_time: execution.scheduled_time }
          : null,
      });
    }
    return JSON.stringify({ jobs, total: ids.length });
  }

  it('GET /jobs: the same bytes as the job mapping with its latest execution, in every order', async () => {
    const byName = [...jobIds];
    for (const [query, ids] of [
      ['limit=100', byName],
      ['limit=100&sort=-name', [...byName].reverse()],
      ['limit=2&offset=1', byName.slice(1, 3)],
    ] as const) {
      const res = await rest.as(owner).get(`/api/v1/jobs?${query}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const expected = await expectedJobs(owner, [...ids]);
      if (query.includes('offset')) {
        // The total counts every job, not the page.
        expect(res.text).toBe(expected.replace(/"total":\d+}$/, `"total":${jobIds.length}}`));
      } else {
        expect(res.text).toBe(expected);
      }
    }
    // The awkward row really is awkward (so that the comparison above compares something).
    const body = JSON.parse((await rest.as(owner).get('/api/v1/jobs?q=a%20quote')).text) as { jobs: JobBody[] };
    expect(body.jobs[0]).toMatchObject({
      next_run_time: '2031-02-03T04:05:06.789Z',
      created_time: '2020-01-01T00:00:00.000Z',
      start_date: '0000-01-01T00:00:00.500Z',
      end_date: '+012345-06-07T08:09:10.123Z',
      suspended_reason: AWKWARD,
      pub_args: [{ 9: null, 100: 'x', b: 1, aa: [100, 0, 12345678901234567000] }, 'é\u0001'],
    });
  });

  it('GET /jobs as an admin: every owner, and an empty page', async () => {
    const res = await rest.as(admin).get(`/api/v1/jobs?owner_id=${owner.id}&limit=100`);
    expect(res.text).toBe(await expectedJobs(admin, jobIds));
    const empty = await rest.as(admin).get(`/api/v1/jobs?q=${uniqueName('nothing')}`);
    expect(empty.status).toBe(200);
    expect(empty.text).toBe('{"jobs":[],"total":0}');
  });

  it('GET /executions: the same bytes as the execution mapping, ownerless rows included for the admin', async () => {
    const range = `time_range_start=${new Date(Date.now() - 3_600_000).toISOString()}&limit=100`;
    for (const actor of [owner, admin]) {
      const res = await rest.as(actor).get(`/api/v1/executions?${range}`);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      const ids = (JSON.parse(res.text) as { executions: Array<{ execution_id: string }> }).executions.map(
        (execution) => execution.execution_id,
      );
      expect(ids).toHaveLength(actor === admin ? 3 : 2);
      const executions = [];
      for (const id of ids) executions.push(await single(admin, `/api/v1/executions/${id}`));
      expect(res.text).toBe(JSON.stringify({ executions, total: ids.length }));
    }
    const all = JSON.parse((await rest.as(admin).get(`/api/v1/executions?${range}`)).text) as {
      executions: Array<Record<string, unknown>>;
    };
    expect(all.executions.map((execution) => [execution.trigger, execution.owner === null])).toEqual([
      ['retry', false],
      ['manual', true],
      ['cron', false],
    ]);
  });
});
