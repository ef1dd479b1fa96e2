import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';
import { REFRESH_URL, Session } from './session';

export type { paths };
export type Schemas = components['schemas'];
export type Job = Schemas['JobResponse'];
export type Execution = Schemas['ExecutionResponse'];
export type AuditLog = Schemas['AuditLogResponse'];
export type Me = Schemas['MeResponse'];
export type User = Schemas['UserResponse'];
export type Role = Schemas['RoleResponse'];
export type Permission = Schemas['PermissionResponse'];
export type PermissionName = Permission['name'];

/** This tab's session: the access token in memory, renewed with the refresh cookie (see session.ts). */
export const session = new Session();

/** The token of an `Authorization: Bearer …` header, or null. */
function bearerOf(header: string | null): string | null {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? null;
}

/** Routes whose 401 means what it says (a wrong password, a refused cookie): no renewal. */
function renews(url: string): boolean {
  const path = new URL(url, 'http://x').pathname;
  return path !== '/api/v1/auth/login' && path !== REFRESH_URL;
}

/** A copy of each request as sent, for sending it again after a renewal (its body is read by then). */
const resendable = new WeakMap<Request, Request>();

const auth: Middleware = {
  onRequest({ request }) {
    const token = session.get();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    if (token && renews(request.url)) resendable.set(request, request.clone());
    return request;
  },
  async onResponse({ request, response, options }) {
    if (response.status !== 401 || !renews(request.url)) return response;
    const used = bearerOf(request.headers.get('Authorization'));
    const copy = resendable.get(request);
    if (used === null || !copy) return response;
    if ((await session.recover(used)) !== 'renewed') return response;
    copy.headers.set('Authorization', `Bearer ${session.get() ?? ''}`);
    const again = await options.fetch(copy);
    // Refused with a token just renewed: the session was ended meanwhile.
    if (again.status === 401) session.end();
    return again;
  },
};

export const api = createClient<paths>({ baseUrl: '' });
api.use(auth);

/** The message of an error body (`{message: string | string[]}`), for people. */
export function errorText(error: unknown, fallback = 'Something went wrong'): string {
  if (error && typeof error === 'object' && 'message' in error) {
    const message: unknown = error.message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string') return message;
  }
  if (error instanceof Error) return error.message;
  return fallback;
}

/** Throws the API's error text unless `data` is there: for TanStack Query's queryFn and mutationFn. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    if (result.response.ok) return undefined as T;
    throw new Error(errorText(result.error, `${result.response.status} ${result.response.statusText}`));
  }
  return result.data;
}
