import { load, type LoadResult } from '../support/load.js';
import { connect, insertJobs } from '../support/db.js';
import { startBareApp, startCronwarden } from '../support/processes.js';

export interface ApiFigures {
  list_jobs: LoadResult & { jobs_owned: number; page_size: number };
  bare_route: LoadResult;
  list_jobs_vs_bare: number;
}

const ADMIN = { username: 'admin', password: 'bench-Secret-for-root-42' };
const USER = { username: 'lister', password: 'load-test-Secret-77' };

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Authenticated `GET /api/v1/jobs?limit=100` by a non-admin who owns 500 jobs (paused, so nothing
 * fires), at 32 connections, next to a bare Nest route measured in the same run.
 */
export async function apiScenario(seconds: number): Promise<ApiFigures> {
  const server = await startCronwarden({ ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'warn' });
  try {
    const post = (path: string, body: object, token?: string) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    const admin = await json<{ access_token: string }>(await post('/api/v1/auth/login', ADMIN));
    const created = await json<{ id: string }>(
      await post('/api/v1/users', { ...USER, roles: ['job_manager'] }, admin.access_token),
    );
    const client = await connect(server.databaseUrl);
    try {
      await insertJobs(client, { count: 500, ownerId: created.id, second: '0', firstFire: null, paused: true });
      const adminRow = await client.query<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`);
      await insertJobs(client, {
        count: 500,
        ownerId: adminRow.rows[0].id,
        second: '0',
        firstFire: null,
        paused: true,
      });
    } finally {
      await client.end();
    }
    const user = await json<{ access_token: string }>(await post('/api/v1/auth/login', USER));
    const listJobs = await load({
      url: `${server.url}/api/v1/jobs?limit=100`,
      headers: { authorization: `Bearer ${user.access_token}` },
      connections: 32,
      durationSeconds: seconds,
    });
    const bare = await startBareApp();
    let bareRoute: LoadResult;
    try {
      bareRoute = await load({ url: `${bare.url}/bare`, connections: 32, durationSeconds: seconds });
    } finally {
      await bare.stop();
    }
    return {
      list_jobs: { ...listJobs, jobs_owned: 500, page_size: 100 },
      bare_route: bareRoute,
      list_jobs_vs_bare: Math.round((listJobs.requests_per_s / bareRoute.requests_per_s) * 1000) / 1000,
    };
  } finally {
    await server.stop();
  }
}
