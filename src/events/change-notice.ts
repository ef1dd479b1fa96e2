import { type AuthUser, hasPermission } from '../access/auth-user.js';

/** The channel the database triggers NOTIFY on (migration AddChangeEventTriggers). */
export const EVENTS_CHANNEL = 'cronwarden_events';

export const JOB_CHANGES = ['added', 'modified', 'paused', 'resumed', 'deleted'] as const;
export type JobChange = (typeof JOB_CHANGES)[number];

/** One change as a trigger announced it: ids only; `id` is the event's number (sequence `event_ids`). */
export type ChangeNotice =
  | { id: string; kind: 'execution'; executionId: string; jobId: string; ownerId: string | null; state: string }
  | { id: string; kind: 'job'; jobId: string; ownerId: string | null; change: JobChange };

interface TriggerPayload {
  i?: unknown;
  k?: unknown;
  x?: unknown;
  j?: unknown;
  o?: unknown;
  s?: unknown;
  c?: unknown;
}

const text = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const ownerOf = (value: unknown): string | null => (text(value) ? value : null);

/** A trigger's payload as a notice; null for anything else. */
export function parseNotice(payload: string): ChangeNotice | null {
  let raw: TriggerPayload;
  try {
    raw = JSON.parse(payload) as TriggerPayload;
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const id = typeof raw.i === 'number' || text(raw.i) ? String(raw.i) : null;
  if (id === null || !text(raw.j)) return null;
  if (raw.k === 'e' && text(raw.x) && text(raw.s)) {
    return { id, kind: 'execution', executionId: raw.x, jobId: raw.j, ownerId: ownerOf(raw.o), state: raw.s };
  }
  if (raw.k === 'j' && JOB_CHANGES.includes(raw.c as JobChange)) {
    return { id, kind: 'job', jobId: raw.j, ownerId: ownerOf(raw.o), change: raw.c as JobChange };
  }
  return null;
}

/** What one stream's user may receive: the same rule as the lists (`AccessService.readScope`). */
export interface Viewer {
  userId: string;
  /** Admin or `view_all`: every owner's jobs and executions. */
  seesAll: boolean;
  executions: boolean;
  jobs: boolean;
}

export function viewerOf(user: AuthUser): Viewer {
  return {
    userId: user.id,
    seesAll: hasPermission(user, 'view_all'),
    executions: hasPermission(user, 'execution_view'),
    jobs: hasPermission(user, 'job_view'),
  };
}

/** Whether `viewer` may see the rows of `ownerId` (null: an owner since deleted, only for who sees all). */
export function seesOwner(viewer: Viewer, ownerId: string | null): boolean {
  return viewer.seesAll || (ownerId !== null && ownerId === viewer.userId);
}

export function mayReceive(viewer: Viewer, notice: ChangeNotice): boolean {
  const allowed = notice.kind === 'execution' ? viewer.executions : viewer.jobs;
  return allowed && seesOwner(viewer, notice.ownerId);
}
