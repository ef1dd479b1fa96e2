import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

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

/** The access token of this tab (sessionStorage: a reload keeps the user signed in, a new tab does not). */
const TOKEN_KEY = 'cronwarden.token';

export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** Told when the server refuses the token (expired, revoked): the app returns to sign-in. */
let onUnauthorized: (message: string) => void = () => undefined;
export function whenUnauthorized(handler: (message: string) => void): void {
  onUnauthorized = handler;
}

/** The expired-session path, for requests made outside this client too (the event streams). */
export function sessionEnded(message?: string): void {
  if (tokenStore.get()) onUnauthorized(message ?? 'Your session ended: sign in again.');
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = tokenStore.get();
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
  async onResponse({ request, response }) {
    if (response.status === 401 && !request.url.endsWith('/api/v1/auth/login') && tokenStore.get()) {
      const body = (await response
        .clone()
        .json()
        .catch(() => ({}))) as { message?: string };
      sessionEnded(body.message);
    }
    return response;
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
