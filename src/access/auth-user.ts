import type { Permission } from './permissions.js';

/** The caller of a request, as loaded from the database for every request (never from the token alone). */
export interface AuthUser {
  readonly id: string;
  readonly username: string;
  readonly email: string | null;
  readonly roles: readonly string[];
  readonly permissions: ReadonlySet<Permission>;
  /** Holds the `admin` role: every permission, and may act on every user's resources. */
  readonly isAdmin: boolean;
  /** `jti` of the access token of this request. */
  readonly tokenId: string;
  readonly tokenExpiresAt: Date;
  /** Set when the request came with an API token (`cw_...`) rather than a login's access token: its id. */
  readonly apiTokenId?: string;
  /** The refresh-token family (browser session) of this access token, if it came from a login or refresh. */
  readonly sessionId?: string;
  /** An operator acting through the CLI: not a row in `users`. */
  readonly system?: boolean;
}

export function hasPermission(user: AuthUser, permission: Permission): boolean {
  return user.isAdmin || user.permissions.has(permission);
}
