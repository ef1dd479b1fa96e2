import { loginAdmin, newUser, type Actor } from './support/actors.js';
import { Db, restClient, waitFor } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const METRICS_TOKEN = 'scrape-token-for-prometheus-0123456789';

/** `name{labels} value` lines of a Prometheus exposition, as a map from `name{labels}` to value. */
function samplesOf(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return samples;
}

describe('metrics (GET /metrics)', () => {
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let admin: Actor;
  let viewer: Actor;

  beforeAll(async () => {
    t = await createTestApp({ env: { METRICS_TOKEN, SHUTDOWN_GRACE_SECONDS: '1' } });
    db = await Db.connect(t);
    rest = restClient(t);
    admin = await loginAdmin(t);
    viewer = await newUser(t, { roles: ['viewer'] });
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const scrape = async (bearer: string): Promise<Map<string, number>> => {
    const res = await t.http().get('/metrics').set('Authorization', bearer).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return samplesOf(res.text);
  };

  it('answers admins and the METRICS_TOKEN bearer, nobody else', async () => {
    expect((await t.http().get('/metrics')).status).toBe(401);
    expect((await t.http().get('/metrics').set('Authorization', 'Bearer wrong-token-wrong-token')).status).toBe(401);
    expect((await t.http().get('/metrics').set('Authorization', METRICS_TOKEN)).status).toBe(401);
    const forbidden = await t.http().get('/metrics').set('Authorization', viewer.bearer);
    expect(forbidden.status).toBe(403);
    expect(forbidden.text).not.toContain('cronwarden_');
    const byToken = await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
    expect(byToken.status).toBe(200);
    expect(byToken.text).toContain('# TYPE cronwarden_fires_total counter');
    expect((await t.http().get('/metrics').set('Authorization', admin.bearer)).status).toBe(200);
  });

  it('counts fires, executions by state and class, delays, durations, jobs, HTTP requests and the pool', async () => {
    const job = await rest.createJob(admin, {
      name: 'metered',
      job_class_string: 'SampleJob',
      pub_args: ['tick'],
      second: '*',
    });
    await waitFor('three finished executions', async () => {
      const rows = await db.executions(job.job_id);
      return rows.filter((row) => row.state === 'succeeded').length >= 3;
    });
    const during = await scrape(`Bearer ${METRICS_TOKEN}`);
    expect(during.get('cronwarden_registered_jobs')).toBe(1);

    await rest.as(admin).post(`/api/v1/jobs/${job.job_id}/pause`).expect(200);
    await waitFor('no execution running', async () =>
      (await db.executions(job.job_id)).every((row) => row.state !== 'running'),
    );
    const recorded = await db.executions(job.job_id);
    const byState = new Map<string, number>();
    for (const row of recorded) byState.set(row.state, (byState.get(row.state) ?? 0) + 1);
    const after = await scrape(admin.bearer);

    expect(after.get('cronwarden_registered_jobs')).toBe(0);
    for (const [state, count] of byState) {
      expect({
        state,
        counted: after.get(`cronwarden_executions_total{state="${state}",job_class="SampleJob"}`),
      }).toEqual({ state, counted: count });
    }
    const scheduled = recorded.filter((row) => row.trigger === 'cron').length;
    expect(after.get('cronwarden_fires_total{claimed_by="this_instance"}')).toBe(scheduled);
    expect(after.get('cronwarden_claims_lost_total')).toBe(0);
    expect(after.get('cronwarden_fire_delay_seconds_count')).toBe(scheduled);
    expect(after.get('cronwarden_fire_delay_seconds_bucket{le="+Inf"}')).toBe(scheduled);
    expect(after.get('cronwarden_execution_duration_seconds_count{state="succeeded",job_class="SampleJob"}')).toBe(
      byState.get('succeeded'),
    );
    expect(after.get('cronwarden_running_executions')).toBe(0);
    expect(
      after.get('cronwarden_http_request_duration_seconds_count{method="POST",route="/api/v1/jobs",status_code="201"}'),
    ).toBe(1);
    expect(
      after.get(
        'cronwarden_http_request_duration_seconds_count{method="POST",route="/api/v1/jobs/:job_id/pause",status_code="200"}',
      ),
    ).toBe(1);
    expect(after.get('cronwarden_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
    expect(after.has('cronwarden_db_pool_connections{state="waiting"}')).toBe(true);
    expect(after.has('cronwarden_process_resident_memory_bytes')).toBe(true);
    // Route templates only: no id ever becomes a label value.
    expect([...after.keys()].filter((key) => key.includes(job.job_id))).toEqual([]);
  });
});
