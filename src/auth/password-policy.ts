import { COMMON_PASSWORDS } from './common-passwords.js';

/** bcrypt ignores every byte past the 72nd, so longer passwords are refused rather than silently cut. */
export const PASSWORD_MAX_BYTES = 72;
export const PASSWORD_MAX_LENGTH = 128;

export interface PasswordPolicy {
  minLength: number;
}

/**
 * What is wrong with `password` as a new password, as a message naming `field`, or null when it is
 * acceptable: long enough, at most 128 characters and 72 bytes, not a common password, not the
 * username, not one repeated character.
 */
export function passwordProblem(
  password: string,
  policy: PasswordPolicy,
  field: string,
  username?: string,
): string | null {
  const characters = [...password].length;
  if (characters < policy.minLength) return `${field} must be at least ${policy.minLength} characters long`;
  if (characters > PASSWORD_MAX_LENGTH) return `${field} must be at most ${PASSWORD_MAX_LENGTH} characters long`;
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    return `${field} must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8 (bcrypt ignores the rest)`;
  }
  const lowered = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lowered)) return `${field} is too common; choose another`;
  if (username && lowered.includes(username.toLowerCase())) return `${field} must not contain the username`;
  if (new Set(password).size === 1) return `${field} must not be one repeated character`;
  return null;
}
