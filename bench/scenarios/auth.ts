import { load, type LoadResult } from '../support/load.js';
import { startBareApp, startCronwarden } from '../support/processes.js';

export interface AuthFigures {
  bcrypt_cost: number;
  login: LoadResult & { logins_per_s: number };
  auth_me: LoadResult;
  bare_route: LoadResult;
  auth_me_vs_bare: number;
}

const ADMIN = { username: 'admin', password: 'bench-Secret-for-root-42' };
const USER = { username: 'bench-user', password: 'load-test-Secret-77' };
/** Logins spread over several users: one username from one address admits at most LOGIN_FAILURES_PER_USER_ADDRESS attempts at a time. */
const LOGIN_USERS = Array.from({ length: 8 }, (_, i) => ({
  username: `bench-login-${i}`,
  password: 'load-test-Secret-77',
}));

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * Logins per second at the default bcrypt cost (8 connections: bcrypt runs on libuv's 4 threads),
 * and an authenticated GET /api/v1/auth/me (non-admin) at 32 connections next to a bare Nest route.
 */
export async function authScenario(seconds: number): Promise<AuthFigures> {
  const server = await startCronwarden({ ADMIN_PASSWORD: ADMIN.password, BCRYPT_COST: '12', LOG_LEVEL: 'warn' });
  try {
    const post = (path: string, body: object, token?: string) =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
    const admin = await json<{ access_token: string }>(await post('/api/v1/auth/login', ADMIN));
    for (const someone of [USER, ...LOGIN_USERS]) {
      await json(await post('/api/v1/users', { ...someone, roles: ['job_manager'] }, admin.access_token));
    }
    const user = await json<{ access_token: string }>(await post('/api/v1/auth/login', USER));

    const login = await load({
      url: `${server.url}/api/v1/auth/login`,
      method: 'POST',
      bodies: LOGIN_USERS.map((someone) => JSON.stringify(someone)),
      connections: 8,
      durationSeconds: seconds,
    });
    const authMe = await load({
      url: `${server.url}/api/v1/auth/me`,
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
      bcrypt_cost: 12,
      login: { ...login, logins_per_s: login.requests_per_s },
      auth_me: authMe,
      bare_route: bareRoute,
      auth_me_vs_bare: Math.round((authMe.requests_per_s / bareRoute.requests_per_s) * 100) / 100,
    };
  } finally {
    await server.stop();
  }
}
