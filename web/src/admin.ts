import type { Role, User } from './api/client';

/** Letters and digits without the look-alikes (0/O, 1/l/I), plus a few symbols that survive copy and paste. */
const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.!@#%+=';
export const GENERATED_PASSWORD_LENGTH = 24;

/**
 * A strong random password (24 characters from 66: ~145 bits) made in the browser with
 * `crypto.getRandomValues`, without modulo bias (bytes past the last whole multiple are drawn again).
 */
export function generatePassword(
  length = GENERATED_PASSWORD_LENGTH,
  randomBytes: (count: number) => Uint8Array = (count) => crypto.getRandomValues(new Uint8Array(count)),
): string {
  const limit = 256 - (256 % PASSWORD_ALPHABET.length);
  let password = '';
  while (password.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && password.length < length) password += PASSWORD_ALPHABET[byte % PASSWORD_ALPHABET.length];
    }
  }
  return password;
}

/** Everything the caller needs to decide what to offer: from `/auth/me`. */
export interface Caller {
  id: string;
  roles: string[];
  permissions: string[];
}

export const ADMIN_ROLE = 'admin';
export const isAdmin = (caller: Pick<Caller, 'roles'>): boolean => caller.roles.includes(ADMIN_ROLE);

/** The union of the permissions of the roles named (unknown names hold nothing). */
export function permissionsOf(roleNames: readonly string[], roles: readonly Role[]): Set<string> {
  return new Set(roles.filter((role) => roleNames.includes(role.name)).flatMap((role) => role.permissions));
}

/**
 * What the server lets a caller grant (its management policy): an admin any role; anyone else only
 * roles within their own permissions, never the admin role.
 */
export function mayGrant(caller: Caller, role: Role): boolean {
  if (isAdmin(caller)) return true;
  return role.name !== ADMIN_ROLE && role.permissions.every((permission) => caller.permissions.includes(permission));
}

/** An admin manages anyone; anyone else only users who are not admins and hold nothing the caller lacks. */
export function mayManageUser(caller: Caller, target: Pick<User, 'roles'>, roles: readonly Role[]): boolean {
  if (isAdmin(caller)) return true;
  if (target.roles.includes(ADMIN_ROLE)) return false;
  return [...permissionsOf(target.roles, roles)].every((permission) => caller.permissions.includes(permission));
}

/** A non-admin may change or delete only roles within their own permissions (and never the admin role). */
export const mayManageRole = mayGrant;

/**
 * Whether `user` is the last active admin (the server refuses to disable, demote or delete them: 409),
 * given how many active admins there are.
 */
export function isLastActiveAdmin(user: Pick<User, 'is_active' | 'roles'>, activeAdmins: number): boolean {
  return user.is_active && user.roles.includes(ADMIN_ROLE) && activeAdmins <= 1;
}

/** The same, short, beside the user in the list. */
export const LAST_ADMIN_SHORT = 'Last active admin: cannot be disabled, demoted or deleted.';

export const LAST_ADMIN_REASON =
  'The last active admin cannot be disabled, demoted or deleted: make another user admin first.';

/** An API refusal: its status and its messages (Nest gives one string or a list). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly messages: string[],
  ) {
    super(messages.join('; ') || `Request failed (${status})`);
  }

  static of(response: Response, body: unknown): ApiProblem {
    const message = body && typeof body === 'object' && 'message' in body ? body.message : undefined;
    const messages = Array.isArray(message)
      ? message.filter((item): item is string => typeof item === 'string')
      : typeof message === 'string'
        ? [message]
        : [];
    return new ApiProblem(response.status, messages);
  }
}

/**
 * Splits an API refusal into messages for the form's fields (a 400 naming `username`, `password`,
 * `email`, `roles`, `name`, `description`, `permissions`; a 409 "Username … is taken" belongs to the
 * username, "Role … exists" to the name) and the rest, shown above the form.
 */
export function fieldProblems(
  problem: ApiProblem,
  fields: readonly string[],
): { fields: Record<string, string>; other: string[] } {
  const result: { fields: Record<string, string>; other: string[] } = { fields: {}, other: [] };
  for (const message of problem.messages) {
    const field = /^Username .* is taken$/.test(message)
      ? 'username'
      : /^Role .* exists$/.test(message)
        ? 'name'
        : (/^([a-z_]+)\b/.exec(message)?.[1] ?? null);
    if (field !== null && fields.includes(field) && !(field in result.fields)) result.fields[field] = message;
    else result.other.push(message);
  }
  if (problem.messages.length === 0) result.other.push(problem.message);
  return result;
}

/** "alice, bob and 3 more" for the users who hold a role. */
export function holdersText(usernames: readonly string[], total: number): string {
  if (total === 0) return 'nobody';
  const shown = usernames.slice(0, Math.min(usernames.length, 10));
  const more = total - shown.length;
  if (more <= 0) {
    return shown.length === 1 ? shown[0] : `${shown.slice(0, -1).join(', ')} and ${shown[shown.length - 1]}`;
  }
  return `${shown.join(', ')} and ${more} more`;
}
