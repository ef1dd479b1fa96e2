import jwt from 'jsonwebtoken';
import type { StreamClaims } from './event-hub.service.js';

/**
 * The claims of the bearer token the guard has just verified (so only read here, not verified
 * again): the stream keeps them to re-check the token while it stays open. Null when absent.
 */
export function claimsOf(authorization: string | undefined): StreamClaims | null {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return null;
  const decoded = jwt.decode(token, { json: true });
  if (
    !decoded ||
    typeof decoded.sub !== 'string' ||
    typeof decoded.jti !== 'string' ||
    typeof decoded.ver !== 'number' ||
    typeof decoded.exp !== 'number'
  ) {
    return null;
  }
  return { sub: decoded.sub, jti: decoded.jti, ver: decoded.ver, exp: decoded.exp };
}
