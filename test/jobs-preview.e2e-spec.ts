import { newUser, type Actor } from './support/actors.js';
import { Db, type ErrorBody, ISO_UTC, messagesOf, restClient } from './support/scheduling.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/** The configured default zone of this app: no daylight saving time, always UTC+09:00. */
const DEFAULT_ZONE = 'Asia/Tokyo';

interface PreviewBody {
  next_run_times: string[];
}

/** Wall-clock time (HH:MM:SS) and UTC offset in minutes of an instant in an IANA zone. */
function local(iso: string, timeZone: string): { time: string; offsetMinutes: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(iso));
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  const offset = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(part('timeZoneName'));
  if (!offset) throw new Error(`unexpected zone name ${part('timeZoneName')}`);
  const minutes = offset[1] ? Number(offset[2]) * 60 + Number(offset[3]) : 0;
  return {
    time: `${part('hour')}:${part('minute')}:${part('second')}`,
    offsetMinutes: offset[1] === '-' ? -minutes : minutes,
  };
}

describe('schedule preview (POST /api/v1/jobs/preview)', () => {
  let t: TestApp;
  let db: Db;
  let rest: ReturnType<typeof restClient>;
  let manager: Actor;
  let viewer: Actor;

  beforeAll(async () => {
    t = await createTestApp({ env: { TIMEZONE: DEFAULT_ZONE } });
    db = await Db.connect(t);
    rest = restClient(t);
    manager = await newUser(t, { roles: ['job_manager'] });
    viewer = await newUser(t, { roles: ['viewer'] });
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const preview = (body: Record<string, unknown>, actor: Actor = manager) =>
    rest.as(actor).post('/api/v1/jobs/preview').send(body);

  it('every 2 seconds: 5 future times, 2 s apart, in ISO UTC', async () => {
    const sent = Date.now();
    const res = await preview({ second: '*/2' });
    expect(res.status).toBe(200);
    const { next_run_times: times } = res.body as PreviewBody;
    expect(Object.keys(res.body as object)).toEqual(['next_run_times']);
    expect(times).toHaveLength(5);
    for (const time of times) expect(time).toMatch(ISO_UTC);
    const ms = times.map((time) => Date.parse(time));
    expect(ms[0]).toBeGreaterThan(sent - 1000);
    expect(ms[0]).toBeLessThanOrEqual(Date.now() + 2000);
    for (const [i, time] of ms.entries()) {
      expect(new Date(time).getUTCSeconds() % 2).toBe(0);
      if (i > 0) expect(time - ms[i - 1]).toBe(2000);
    }
  });

  it('an interval: the grid from start_date, bounded by end_date', async () => {
    const res = await preview({
      trigger: 'interval',
      interval_seconds: 90,
      start_date: '2030-01-01T00:00:00Z',
      end_date: '2030-01-01T00:06:00Z',
    });
    expect(res.status).toBe(200);
    expect((res.body as PreviewBody).next_run_times).toEqual([
      '2030-01-01T00:01:30.000Z',
      '2030-01-01T00:03:00.000Z',
      '2030-01-01T00:04:30.000Z',
      '2030-01-01T00:06:00.000Z',
    ]);
  });

  it('a date: its one fire; a cron schedule bounded by start_date starts there', async () => {
    const once = await preview({ trigger: 'date', run_date: '2030-12-08T09:00:00Z' });
    expect(once.status).toBe(200);
    expect((once.body as PreviewBody).next_run_times).toEqual(['2030-12-08T09:00:00.000Z']);
    const bounded = await preview({ minute: '0', hour: '9', timezone: 'UTC', start_date: '2030-12-08T09:00:00Z' });
    expect((bounded.body as PreviewBody).next_run_times.slice(0, 2)).toEqual([
      '2030-12-08T09:00:00.000Z',
      '2030-12-09T09:00:00.000Z',
    ]);
  });

  it('trigger fields: 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ trigger: 'interval' }, 'interval_seconds'],
      [{ trigger: 'interval', interval_seconds: 0 }, 'interval_seconds'],
      [{ trigger: 'date', run_date: '2020-01-01T00:00:00Z' }, 'run_date'],
      [{ interval_seconds: 5 }, 'interval_seconds'],
      [{ trigger: 'interval', interval_seconds: 5, minute: '*/5' }, 'minute'],
    ];
    for (const [body, field] of cases) {
      const res = await preview(body);
      expect(res.status).toBe(400);
      expect(messagesOf(res.body as ErrorBody).some((message) => message.startsWith(`${field} `))).toBe(true);
    }
  });

  it('03:00 in Europe/Berlin: five consecutive days at 03:00 Berlin time, 01:00 or 02:00 UTC by the offset', async () => {
    const res = await preview({ hour: '3', minute: '0', second: '0', timezone: 'Europe/Berlin' });
    expect(res.status).toBe(200);
    const { next_run_times: times } = res.body as PreviewBody;
    expect(times).toHaveLength(5);
    expect(Date.parse(times[0])).toBeGreaterThan(Date.now());
    expect(Date.parse(times[0])).toBeLessThanOrEqual(Date.now() + 86_400_000);
    for (const [i, time] of times.entries()) {
      const { time: wallClock, offsetMinutes } = local(time, 'Europe/Berlin');
      expect({ time, wallClock }).toEqual({ time, wallClock: '03:00:00' });
      // CET (+01:00) or CEST (+02:00), and the UTC hour that goes with it.
      expect([60, 120]).toContain(offsetMinutes);
      const utc = new Date(time);
      expect({ time, utc: utc.getUTCHours() * 60 + utc.getUTCMinutes() }).toEqual({ time, utc: 180 - offsetMinutes });
      // One a day: 24 h apart, 23 or 25 across a change of summer time.
      if (i > 0) expect([23, 24, 25]).toContain((Date.parse(time) - Date.parse(times[i - 1])) / 3_600_000);
    }
  });

  it('defaults as for a new job: every field *, second 0, the configured TIMEZONE', async () => {
    const everyMinute = await preview({});
    expect(everyMinute.status).toBe(200);
    const minutes = (everyMinute.body as PreviewBody).next_run_times.map((time) => Date.parse(time));
    expect(minutes).toHaveLength(5);
    for (const [i, time] of minutes.entries()) {
      expect(time % 60_000).toBe(0);
      if (i > 0) expect(time - minutes[i - 1]).toBe(60_000);
    }

    // 09:00 in Tokyo (UTC+09:00 all year) is midnight UTC.
    const nineInTokyo = await preview({ hour: '9', minute: '0' });
    expect(nineInTokyo.status).toBe(200);
    for (const time of (nineInTokyo.body as PreviewBody).next_run_times) expect(time).toMatch(/T00:00:00\.000Z$/);
  });

  it('accepts cron fields sent as numbers, and trigger "cron"', async () => {
    const res = await preview({ trigger: 'cron', hour: 9, minute: 30 });
    expect(res.status).toBe(200);
    for (const time of (res.body as PreviewBody).next_run_times) expect(time).toMatch(/T00:30:00\.000Z$/);
  });

  it('ignores the other fields of a job (a job form can be sent as it is)', async () => {
    const res = await preview({
      name: 'not saved',
      job_class_string: 'SampleJob',
      pub_args: ['x'],
      paused: false,
      max_instances: 2,
      minute: '*/5',
    });
    expect(res.status).toBe(200);
    expect((res.body as PreviewBody).next_run_times).toHaveLength(5);
  });

  describe('400 naming the field, with the very messages job creation gives', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['minute "61"', { minute: '61' }, 'minute'],
      ['hour "24"', { hour: '24' }, 'hour'],
      ['second "*/0"', { second: '*/0' }, 'second'],
      ['month "13"', { month: '13' }, 'month'],
      ['day_of_week "xyz"', { day_of_week: 'xyz' }, 'day_of_week'],
      ['timezone "Mars/Base"', { timezone: 'Mars/Base' }, 'timezone'],
      ['an impossible date (day 30 of February)', { day: '30', month: '2' }, 'day'],
    ];

    it.each(cases)('%s', async (_label, change, field) => {
      const res = await preview(change);
      expect(res.status).toBe(400);
      const body = res.body as ErrorBody;
      expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(messagesOf(body).some((message) => message.startsWith(`${field} `))).toBe(true);

      const before = await db.jobCount();
      const created = await rest
        .as(manager)
        .post('/api/v1/jobs')
        .send({ name: 'invalid', job_class_string: 'SampleJob', pub_args: ['x'], ...change });
      expect(created.status).toBe(400);
      expect(messagesOf(body)).toEqual(messagesOf(created.body as ErrorBody));
      expect(await db.jobCount()).toBe(before);
    });

    it('every bad field at once', async () => {
      const res = await preview({ hour: '24', minute: '61' });
      expect(res.status).toBe(400);
      const messages = messagesOf(res.body as ErrorBody);
      expect(messages.some((message) => message.startsWith('hour '))).toBe(true);
      expect(messages.some((message) => message.startsWith('minute '))).toBe(true);
    });

    it.each([['manual'], [5]])('trigger %p (not a trigger type)', async (trigger) => {
      const res = await preview({ trigger, interval_seconds: 10 });
      expect(res.status).toBe(400);
      expect(messagesOf(res.body as ErrorBody).some((message) => message.startsWith('trigger '))).toBe(true);
    });

    it('an unknown field, as on every route', async () => {
      const res = await preview({ colour: 'red' });
      expect(res.status).toBe(400);
      expect(messagesOf(res.body as ErrorBody).some((message) => message.includes('colour'))).toBe(true);
    });
  });

  it('a viewer (job_view) may preview; a user without job_view may not; anonymous is 401', async () => {
    expect((await preview({ minute: '*/10' }, viewer)).status).toBe(200);
    const noRole = await newUser(t, { roles: [] });
    expect((await preview({ minute: '*/10' }, noRole)).status).toBe(403);
    expect((await t.http().post('/api/v1/jobs/preview').send({})).status).toBe(401);
  });

  it('saves nothing and writes no audit entry', async () => {
    const counts = () => Promise.all([db.jobCount(), db.count('SELECT count(*) AS count FROM audit_logs')]);
    const before = await counts();
    expect((await preview({ second: '*/2' })).status).toBe(200);
    expect((await preview({ name: 'not saved', job_class_string: 'SampleJob', pub_args: ['x'] }, viewer)).status).toBe(
      200,
    );
    expect((await preview({ day: '30', month: '2' })).status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('does not clash with the job routes: GET /api/v1/jobs/preview is a missing job', async () => {
    const res = await rest.as(manager).get('/api/v1/jobs/preview');
    expect(res.status).toBe(404);
    const job = await rest.createJob(manager, {
      name: 'beside preview',
      job_class_string: 'SampleJob',
      pub_args: ['x'],
    });
    expect((await rest.as(manager).post(`/api/v1/jobs/${job.job_id}/pause`)).status).toBe(200);
  });
});
