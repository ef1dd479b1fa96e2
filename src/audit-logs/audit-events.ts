/** Events of jobs (as ndscheduler's) and of accounts; names are part of the REST contract. */
export const JOB_AUDIT_EVENTS = [
  'added',
  'modified',
  'deleted',
  'paused',
  'resumed',
  'custom_run',
  /** A failed or timed-out run's retry was written (by the scheduler, user `scheduler`). */
  'retry_scheduled',
] as const;
export const ACCOUNT_AUDIT_EVENTS = [
  'login',
  'login_failed',
  'logout',
  'user_created',
  'user_modified',
  'user_deleted',
  'role_created',
  'role_modified',
  'role_deleted',
  'token_created',
  'token_revoked',
] as const;
/** The scheduler switch (admins only: the rows have no owner). */
export const SCHEDULER_AUDIT_EVENTS = ['scheduler_paused', 'scheduler_resumed'] as const;
export const AUDIT_EVENTS = [...JOB_AUDIT_EVENTS, ...ACCOUNT_AUDIT_EVENTS, ...SCHEDULER_AUDIT_EVENTS] as const;

export type AuditEvent = (typeof AUDIT_EVENTS)[number];
