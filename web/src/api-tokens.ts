/** The logic of the Account page's "API tokens" section, apart from React (tested in api-tokens.spec.ts). */

export interface TokenRequest<P extends string = string> {
  name: string;
  expires_at?: string;
  permissions?: P[];
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD` of a time in the browser's zone (the value of an `<input type="date">`). */
export function localDate(time: Date): string {
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}`;
}

/**
 * The expiry of a token chosen as a day ("Expires on"): it works through that whole day in the
 * browser's zone, until its last millisecond. Empty: never.
 */
export function expiryOf(date: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  if (!match) return undefined;
  const [, year, month, day] = match;
  return new Date(Number(year), Number(month) - 1, Number(day), 23, 59, 59, 999).toISOString();
}

/** What POST /auth/tokens gets: no permission ticked (or all of them) means all of the user's, following their roles. */
export function tokenRequest<P extends string>(
  name: string,
  date: string,
  chosen: readonly string[],
  held: readonly P[],
): TokenRequest<P> {
  const request: TokenRequest<P> = { name: name.trim() };
  const expires = expiryOf(date);
  if (expires) request.expires_at = expires;
  const subset = held.filter((permission) => chosen.includes(permission));
  if (subset.length > 0 && subset.length < held.length) request.permissions = subset;
  return request;
}

/** How a token's permissions read in the list. */
export function permissionsText(permissions: string[] | null | undefined): string {
  if (!permissions) return 'All of yours';
  return permissions.join(', ');
}

export function isExpired(expiresAt: string | null | undefined, now: Date): boolean {
  return !!expiresAt && new Date(expiresAt).getTime() <= now.getTime();
}
