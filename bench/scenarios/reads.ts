import { BENCH_ADMIN, call, jobManager, login, type Session } from '../support/api-client.js';
import { connect, insertExecutions, insertJobs } from '../support/db.js';
import { load, type LoadResult } from '../support/load.js';
import { cpuMsOf, startBareApp, startCronwarden, type RunningProcess } from '../support/processes.js';
import { median, round } from '../support/stats.js';

type ListName = 'jobs' | 'executions';

interface Side extends LoadResult {
  cpu_ms_per_request: number;
}

interface ListRound {
  server: Side;
  bare: Side;
  server_vs_bare: number;
}

/** The server's list while another client keeps changing one of its jobs: few answers can be sent again. */
interface ChangingRound extends Side {
  /** Pauses and resumes of that job answered during the measurement. */
  changes_per_s: number;
}

export interface ReadsFigures {
  date: string;
  rows: number;
  connections: number;
  seconds: number;
  rounds: number;
  /** The bare route answers byte for byte what the server answers (checked before measuring). */
  same_body: Record<ListName, boolean>;
  median: Record<
    ListName,
    { requests_per_s: number; p99_ms: number; bare_requests_per_s: number; bare_p99_ms: number; server_vs_bare: number }
  >;
  per_round: Array<Record<ListName, ListRound>>;
  /** `GET /api/v1/jobs?limit=500` while a job of the page is paused and resumed without pause. */
  jobs_changing: {
    median: { requests_per_s: number; p99_ms: number; changes_per_s: number; vs_bare: number };
    per_round: ChangingRound[];
  };
  notes: string[];
}

/** Pauses and resumes `jobId` one request after the other until `stop` resolves; answers how many. */
async function keepChanging(baseUrl: string, user: Session, jobId: string, stop: Promise<unknown>): Promise<number> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  let changes = 0;
  while (!stopped) {
    await call(baseUrl, 'POST', `/api/v1/jobs/${jobId}/${changes % 2 === 0 ? 'pause' : 'resume'}`, user.token);
    changes += 1;
  }
  return changes;
}

async function measure(process: RunningProcess, url: string, seconds: number, connections: number, token?: string) {
  const pid = process.proc.pid!;
  const before = await cpuMsOf(pid);
  const result = await load({
    url,
    connections,
    durationSeconds: seconds,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const used = (await cpuMsOf(pid)) - before;
  return { ...result, cpu_ms_per_request: round(used / Math.max(1, result.requests), 2) };
}

async function text(url: string, token?: string): Promise<string> {
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.text();
}

/**
 * `GET /api/v1/jobs?limit=500` (a non-admin's 500 jobs, each with a latest execution; another 500 of the
 * admin's in the table) and `GET /api/v1/executions?limit=500` (their 500 executions of the last hour),
 * each next to the bare Fastify + `pg` route of bench/bare-app.ts doing the same queries and
 * `JSON.stringify`, in the same run, alternating server and bare route, `rounds` times.
 */
export async function readsScenario(seconds = 10, rounds = 3, connections = 16, rows = 500): Promise<ReadsFigures> {
  const server = await startCronwarden({ ADMIN_PASSWORD: BENCH_ADMIN.password, LOG_LEVEL: 'warn' });
  let bare: RunningProcess | undefined;
  try {
    const admin = await login(server.url, BENCH_ADMIN);
    const user = await jobManager(server.url, admin, 'lister');
    const client = await connect(server.databaseUrl);
    try {
      const base = { count: rows, second: '0', firstFire: null, paused: true };
      await insertJobs(client, { ...base, ownerId: user.userId });
      await insertJobs(client, { ...base, ownerId: admin.userId });
      await insertExecutions(client, user.userId, rows);
    } finally {
      await client.end();
    }
    bare = await startBareApp(server.databaseUrl);
    const end = new Date().toISOString();
    const start = new Date(Date.now() - 3_600_000).toISOString();
    const range = `time_range_start=${start}&time_range_end=${end}`;
    const urls: Record<ListName, { server: string; bare: string }> = {
      jobs: {
        server: `${server.url}/api/v1/jobs?limit=${rows}`,
        bare: `${bare.url}/bare/jobs?owner_id=${user.userId}&limit=${rows}`,
      },
      executions: {
        server: `${server.url}/api/v1/executions?limit=${rows}`,
        bare: `${bare.url}/bare/executions?owner_id=${user.userId}&limit=${rows}`,
      },
    };
    const sameBody = {
      jobs: (await text(urls.jobs.server, user.token)) === (await text(urls.jobs.bare)),
      executions:
        (await text(`${server.url}/api/v1/executions?limit=${rows}&${range}`, user.token)) ===
        (await text(`${bare.url}/bare/executions?owner_id=${user.userId}&limit=${rows}&${range}`)),
    };
    const [changed] = (
      await call<{ jobs: Array<{ job_id: string }> }>(server.url, 'GET', '/api/v1/jobs?limit=1', user.token)
    ).jobs;
    const perRound: ReadsFigures['per_round'] = [];
    const changingRounds: ChangingRound[] = [];
    for (let i = 0; i < rounds; i += 1) {
      const figures = {} as Record<ListName, ListRound>;
      for (const list of ['jobs', 'executions'] as const) {
        const ours = await measure(server, urls[list].server, seconds, connections, user.token);
        const theirs = await measure(bare, urls[list].bare, seconds, connections);
        figures[list] = {
          server: ours,
          bare: theirs,
          server_vs_bare: round(ours.requests_per_s / Math.max(1, theirs.requests_per_s), 3),
        };
      }
      perRound.push(figures);
      const listing = measure(server, urls.jobs.server, seconds, connections, user.token);
      const changes = await keepChanging(server.url, user, changed.job_id, listing);
      const listed = await listing;
      changingRounds.push({ ...listed, changes_per_s: Math.round(changes / seconds) });
    }
    const of = (list: ListName, pick: (figures: ListRound) => number) =>
      median(perRound.map((figures) => pick(figures[list])));
    const medianOf = (list: ListName) => ({
      requests_per_s: of(list, (f) => f.server.requests_per_s),
      p99_ms: of(list, (f) => f.server.latency_ms.p99),
      bare_requests_per_s: of(list, (f) => f.bare.requests_per_s),
      bare_p99_ms: of(list, (f) => f.bare.latency_ms.p99),
      server_vs_bare: of(list, (f) => f.server_vs_bare),
    });
    return {
      date: new Date().toISOString(),
      rows,
      connections,
      seconds,
      rounds,
      same_body: sameBody,
      median: { jobs: medianOf('jobs'), executions: medianOf('executions') },
      per_round: perRound,
      jobs_changing: {
        median: {
          requests_per_s: median(changingRounds.map((r) => r.requests_per_s)),
          p99_ms: median(changingRounds.map((r) => r.latency_ms.p99)),
          changes_per_s: median(changingRounds.map((r) => r.changes_per_s)),
          vs_bare: round(
            median(changingRounds.map((r) => r.requests_per_s)) /
              Math.max(1, median(perRound.map((f) => f.jobs.bare.requests_per_s))),
            3,
          ),
        },
        per_round: changingRounds,
      },
      notes: [
        'server: LOG_LEVEL=warn, a non-admin job_manager reads its own rows with a bearer token',
        'bare: Fastify (under Nest, routes on the instance) + pg pool of 10, no auth, same queries, JSON.stringify',
        'cpu_ms_per_request: the Node process only (/proc stat ticks), not PostgreSQL',
        'server: a list page unchanged since the last answer is sent again after PostgreSQL confirms its version; jobs_changing: the same list while a job of it is paused and resumed in a loop (each change makes the next answer written again)',
      ],
    };
  } finally {
    await bare?.stop();
    await server.stop();
  }
}
