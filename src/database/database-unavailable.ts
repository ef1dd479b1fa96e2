import { ServiceUnavailableException } from '@nestjs/common';

/** Seconds a client is asked to wait when the database is away. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Connection-level failures: network errors, and SQLSTATE classes 08 (connection) and 57P (shut down). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/;

/** Whether `error` (a pg error, or TypeORM's wrapper of one) means the database cannot be reached now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const candidates = [error, (error as { driverError?: unknown }).driverError, error.cause];
  return candidates.some((candidate) => {
    if (!(candidate instanceof Error)) return false;
    const code = (candidate as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('08') || code.startsWith('57P')))
      return true;
    return MESSAGES.test(candidate.message);
  });
}

/** 503 with Retry-After: the request may succeed once the database is back. */
export class DatabaseUnavailableException extends ServiceUnavailableException {
  readonly retryAfterSeconds = DATABASE_RETRY_AFTER_SECONDS;

  constructor() {
    super('The database is unavailable; try again shortly');
  }
}
