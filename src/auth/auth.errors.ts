/** One 401 message for every token problem (missing, malformed, expired, revoked), so they look alike. */
export const INVALID_TOKEN_MESSAGE = 'Missing, invalid, expired or revoked access token';

/** One 401 message for unknown users, wrong passwords and disabled accounts. */
export const INVALID_LOGIN_MESSAGE = 'Invalid username or password';
