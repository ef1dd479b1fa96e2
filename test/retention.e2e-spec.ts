import { randomUUID } from 'node:crypto';
import { RetentionService } from '../src/retention/retention.service.js';
import { Db } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** The advisory lock a retention pass holds (RETENTION_LOCK_KEY in src/retention/retention.service.ts). */
const RETENTION_LOCK_KEY = 0x7265746e;

describe('retention', () => {
  let t: TestApp;
  let db: Db;
  let jobId: string;

  /** `count` executions of one job, `daysAgo` days back (one second apart), in `state`; their ids. */
  async function executions(count: number, daysAgo: number, state: string): Promise<string[]> {
    const rows = await db.rows<{ id: string }>(
      `INSERT INTO executions (job_id, job_name, job_class_string, owner_id, state, trigger, scheduled_time)
       SELECT $1, 'retention job', 'SampleJob', NULL, $2, 'cron',
              now() - make_interval(days => $3) - make_interval(secs => n)
         FROM generate_series(1, $4) AS n
       RETURNING id`,
      [jobId, state, daysAgo, count],
    );
    return rows.map((row) => row.id);
  }

  async function auditEntries(count: number, daysAgo: number): Promise<string[]> {
    const rows = await db.rows<{ id: string }>(
      `INSERT INTO audit_logs (event, "user", description, created_time)
       SELECT 'login_failed', 'nobody', 'retention test', now() - make_interval(days => $1) - make_interval(secs => n)
         FROM generate_series(1, $2) AS n
       RETURNING id`,
      [daysAgo, count],
    );
    return rows.map((row) => row.id);
  }

  const remaining = async (table: 'executions' | 'audit_logs', ids: string[]): Promise<number> =>
    db.count(`SELECT count(*) AS count FROM ${table} WHERE id = ANY($1::uuid[])`, [ids]);

  beforeAll(async () => {
    t = await createTestApp({ env: { EXECUTION_RETENTION_DAYS: '30', AUDIT_RETENTION_DAYS: '10' } });
    db = await Db.connect(t);
    jobId = randomUUID();
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  beforeEach(async () => {
    await db.rows('DELETE FROM executions');
    await db.rows(`DELETE FROM audit_logs WHERE description = 'retention test'`);
  });

  it('deletes old executions (in batches of 1,000) and old audit entries, never running or recent ones', async () => {
    const oldFinished = await executions(2_345, 31, 'succeeded');
    const oldRunning = await executions(3, 31, 'running');
    const recent = await executions(5, 29, 'failed');
    const oldLogs = await auditEntries(1_001, 11);
    const recentLogs = await auditEntries(4, 9);

    await expect(t.app.get(RetentionService).prune()).resolves.toEqual({ executions: 2_345, auditLogs: 1_001 });

    expect(await remaining('executions', oldFinished)).toBe(0);
    expect(await remaining('executions', oldRunning)).toBe(3);
    expect(await remaining('executions', recent)).toBe(5);
    expect(await remaining('audit_logs', oldLogs)).toBe(0);
    expect(await remaining('audit_logs', recentLogs)).toBe(4);
    // The lock is released after the pass: another session can take it.
    const [{ locked }] = await db.rows<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      RETENTION_LOCK_KEY,
    ]);
    expect(locked).toBe(true);
    await db.rows('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK_KEY]);
  });

  it('deletes nothing while another instance holds the retention lock', async () => {
    const old = await executions(7, 40, 'succeeded');
    const oldLogs = await auditEntries(2, 40);
    await db.rows('SELECT pg_advisory_lock($1)', [RETENTION_LOCK_KEY]);
    try {
      await expect(t.app.get(RetentionService).prune()).resolves.toEqual({ executions: 0, auditLogs: 0 });
      expect(await remaining('executions', old)).toBe(7);
      expect(await remaining('audit_logs', oldLogs)).toBe(2);
    } finally {
      await db.rows('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK_KEY]);
    }
    await expect(t.app.get(RetentionService).prune()).resolves.toEqual({ executions: 7, auditLogs: 2 });
  });
});
