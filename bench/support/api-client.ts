/** Just enough of the API for the bench scenarios' setup (not the measured requests). */
export interface Session {
  token: string;
  userId: string;
}

export const BENCH_ADMIN = { username: 'admin', password: 'bench-Secret-for-root-42' };

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function call<T>(
  baseUrl: string,
  method: string,
  path: string,
  token?: string,
  body?: object,
): Promise<T> {
  return json<T>(
    await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    }),
  );
}

export async function login(baseUrl: string, credentials: { username: string; password: string }): Promise<Session> {
  const answer = await call<{ access_token: string; user: { id: string } }>(
    baseUrl,
    'POST',
    '/api/v1/auth/login',
    undefined,
    credentials,
  );
  return { token: answer.access_token, userId: answer.user.id };
}

/** A new non-admin user with the seeded `job_manager` role (limited by MAX_JOBS_PER_USER), signed in. */
export async function jobManager(
  baseUrl: string,
  admin: Session,
  username: string,
): Promise<Session & { username: string }> {
  const credentials = { username, password: 'load-test-Secret-77' };
  await call(baseUrl, 'POST', '/api/v1/users', admin.token, { ...credentials, roles: ['job_manager'] });
  return { ...(await login(baseUrl, credentials)), username };
}
