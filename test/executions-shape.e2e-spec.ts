import { loginAdmin, newUser, uniqueName, type Actor } from './support/actors.js';
import { Db, restClient } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

interface StoredExecution {
  id: string;
  job_id: string;
  job_name: string;
  job_class_string: string;
  owner_id: string | null;
  owner_username: string | null;
  state: string;
  trigger: string;
  scheduled_time: Date;
  started_time: Date | null;
  finished_time: Date | null;
  updated_time: Date;
  hostname: string | null;
  pid: number | null;
  description: string;
  result: string | null;
  attempt: number;
  retry_of: string | null;
}

const iso = (time: Date | null): string | null => (time ? time.toISOString() : null);

/** The execution object of API.md, built from the stored row, its fields in the contract's order. */
const expectedOf = (row: StoredExecution) => ({
  execution_id: row.id,
  job: { job_id: row.job_id, name: row.job_name, job_class_string: row.job_class_string },
  state: row.state,
  trigger: row.trigger,
  scheduled_time: row.scheduled_time.toISOString(),
  started_time: iso(row.started_time),
  finished_time: iso(row.finished_time),
  updated_time: row.updated_time.toISOString(),
  hostname: row.hostname,
  pid: row.pid,
  description: row.description,
  result: row.result,
  owner: row.owner_id ? { id: row.owner_id, username: row.owner_username } : null,
  attempt: row.attempt,
  retry_of: row.retry_of,
});

describe('the execution object, byte for byte (GET /api/v1/executions and /:execution_id)', () => {
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let admin: Actor;
  let alice: Actor;
  let stored: StoredExecution[];

  beforeAll(async () => {
    t = await createTestApp();
    db = await Db.connect(t);
    rest = restClient(t);
    admin = await loginAdmin(t);
    alice = await newUser(t, { roles: ['job_manager'] });
    const job = await rest.createJob(alice, {
      name: uniqueName('shape'),
      job_class_string: 'SampleJob',
      pub_args: ['hi'],
      paused: true,
    });
    await db.rows(
      `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time,
                               started_time, finished_time, hostname, pid, instance_id, description, result)
       VALUES ($1, $2, 'SampleJob', $3, 'succeeded', 'cron', now() - interval '5 minutes',
               now() - interval '5 minutes', now() - interval '4 minutes', 'host-a', 4242, 'instance-a',
               'ran "quoted" \\ text', '{"message":"héllo ✓"}'),
              ($1, $2, 'SampleJob', $3, 'running', 'manual', now() - interval '3 minutes',
               now() - interval '3 minutes', NULL, 'host-b', 7, 'instance-b', '', NULL),
              ($1, $2, 'SampleJob', $3, 'missed', 'cron', now() - interval '2 minutes',
               NULL, NULL, NULL, NULL, NULL, 'missed by 2 h', NULL),
              ($1, 'a deleted owner''s job', 'ShellJob', NULL, 'failed', 'cron', now() - interval '1 minute',
               now() - interval '1 minute', now(), 'host-c', 1, NULL, 'exit 1', '{"returncode":1}')`,
      [job.job_id, job.name, alice.id],
    );
    stored = await db.rows<StoredExecution>(
      `SELECT e.id, e.job_id, e.job_name, e.job_class_string, e.owner_id, u.username AS owner_username, e.state,
              e.trigger, e.scheduled_time, e.started_time, e.finished_time, e.updated_time, e.hostname, e.pid,
              e.description, e.result, e.attempt, e.retry_of
         FROM executions e LEFT JOIN users u ON u.id = e.owner_id
        ORDER BY e.scheduled_time DESC, e.id DESC`,
    );
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('lists every field in the contract order, an owner-less execution with owner null', async () => {
    const res = await rest.as(admin).get('/api/v1/executions');
    expect(res.status).toBe(200);
    expect(stored).toHaveLength(4);
    expect(res.text).toBe(JSON.stringify({ executions: stored.map(expectedOf), total: 4 }));
  });

  it('scopes the list to the owner, with the filters and a page', async () => {
    const own = stored.filter((row) => row.owner_id === alice.id);
    const res = await rest.as(alice).get('/api/v1/executions').query({ limit: 2, offset: 1 });
    expect(res.text).toBe(JSON.stringify({ executions: own.slice(1, 3).map(expectedOf), total: 3 }));
    const running = await rest.as(alice).get('/api/v1/executions').query({ state: 'running', job_id: own[0].job_id });
    expect(running.text).toBe(
      JSON.stringify({ executions: own.filter((row) => row.state === 'running').map(expectedOf), total: 1 }),
    );
  });

  it('answers one execution as the list shows it, and 404 for one out of scope', async () => {
    for (const row of stored) {
      const res = await rest.as(admin).get(`/api/v1/executions/${row.id}`);
      expect(res.status).toBe(200);
      expect(res.text).toBe(JSON.stringify(expectedOf(row)));
    }
    const ownerless = stored.find((row) => row.owner_id === null)!;
    await rest.as(alice).get(`/api/v1/executions/${ownerless.id}`).expect(404);
    await rest.as(alice).get('/api/v1/executions/not-an-id').expect(404);
  });
});
