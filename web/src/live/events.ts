import type { EventSourceMessage } from 'eventsource-parser';
import type { Execution } from '../api/client';

/** What a query can listen to: executions being created or changing state, jobs changing. */
export type LiveTopic = 'execution' | 'job';
export type JobChange = 'added' | 'modified' | 'paused' | 'resumed' | 'deleted';

export type LiveEvent =
  { kind: 'execution'; execution: Execution } | { kind: 'job'; job_id: string; change: JobChange } | { kind: 'resync' };

/**
 * What a query declares in its `meta.live` to be kept fresh by the stream: the topics that make it
 * stale, optionally narrowed to one job's events (`jobId`) or to one execution, which is then
 * replaced by the event's own copy instead of being fetched again (`executionId`).
 */
export interface LiveMeta {
  on: readonly LiveTopic[];
  jobId?: string;
  executionId?: string;
}

const JOB_CHANGES: readonly string[] = ['added', 'modified', 'paused', 'resumed', 'deleted'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isExecution(value: unknown): value is Execution {
  return (
    isRecord(value) &&
    typeof value.execution_id === 'string' &&
    typeof value.state === 'string' &&
    isRecord(value.job) &&
    typeof value.job.job_id === 'string' &&
    typeof value.job.name === 'string'
  );
}

/** One message of `GET /api/v1/events` as the app uses it; null for anything it does not know. */
export function parseLiveEvent(message: EventSourceMessage): LiveEvent | null {
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    return message.event === 'resync' ? { kind: 'resync' } : null;
  }
  if (message.event === 'execution') return isExecution(data) ? { kind: 'execution', execution: data } : null;
  if (message.event === 'job') {
    return isRecord(data) && typeof data.job_id === 'string' && JOB_CHANGES.includes(String(data.change))
      ? { kind: 'job', job_id: data.job_id, change: data.change as JobChange }
      : null;
  }
  if (message.event === 'resync') return { kind: 'resync' };
  return null;
}

/** A query's `meta.live`, if it declared one. */
export function liveMetaOf(meta: Record<string, unknown> | undefined): LiveMeta | null {
  const live = meta?.live;
  if (!isRecord(live) || !Array.isArray(live.on)) return null;
  return live as unknown as LiveMeta;
}

/** The `meta` of a query kept fresh by the stream: `useQuery({..., meta: liveMeta({on: ['execution']})})`. */
export function liveMeta(live: LiveMeta): { live: LiveMeta } {
  return { live };
}

/** Whether `event` makes a query with this `meta.live` stale (a resync makes every live query stale). */
export function touches(live: LiveMeta, event: LiveEvent): boolean {
  switch (event.kind) {
    case 'resync':
      return true;
    case 'execution':
      if (!live.on.includes('execution')) return false;
      // Replaced in place from the event, not fetched again.
      if (live.executionId !== undefined) return false;
      return live.jobId === undefined || live.jobId === event.execution.job.job_id;
    case 'job':
      if (!live.on.includes('job')) return false;
      return live.jobId === undefined || live.jobId === event.job_id;
  }
}

/**
 * The data of a cached list with the execution replaced where it already is (`{executions: [...]}`
 * lists, whatever their filters). The same reference when it is not there, so nothing re-renders.
 */
export function patchExecutionList<T>(data: T, execution: Execution): T {
  if (!isRecord(data) || !Array.isArray(data.executions)) return data;
  const list = data.executions as unknown[];
  const at = list.findIndex((item) => isRecord(item) && item.execution_id === execution.execution_id);
  if (at < 0) return data;
  const current = list[at] as Execution;
  // An older copy (events can cross a refetch) never replaces a newer one.
  if (current.updated_time > execution.updated_time) return data;
  const executions = [...list];
  executions[at] = execution;
  return { ...data, executions };
}

/** States that end a run badly: the user hears about their own. */
const FAILURE_STATES: ReadonlySet<string> = new Set(['failed', 'timeout']);

/** The toast for a run of the user's own job that just ended badly, or null. */
export function failureToast(
  execution: Execution,
  meId: string | undefined,
): { id: string; title: string; message: string; href: string } | null {
  if (!meId || execution.owner?.id !== meId || !FAILURE_STATES.has(execution.state)) return null;
  return {
    id: `failed-${execution.execution_id}`,
    title: `${execution.job.name} failed`,
    message:
      execution.state === 'timeout' ? 'It ran past its timeout and was stopped.' : 'The run ended with an error.',
    href: `/executions/${execution.execution_id}`,
  };
}

/**
 * Collects events and hands them over at most once per `intervalMs`: the first at once, the ones
 * that follow within the interval together at its end (so a burst of fires costs one refetch).
 */
export class Throttle<T> {
  private pending: T[] = [];
  private timer: unknown = null;
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly intervalMs: number,
    private readonly flush: (items: T[]) => void,
    private readonly clock: {
      now(): number;
      setTimeout(callback: () => void, ms: number): unknown;
      clearTimeout(handle: unknown): void;
    } = {
      now: () => Date.now(),
      setTimeout: (callback, ms) => setTimeout(callback, ms),
      clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    },
  ) {}

  push(item: T): void {
    this.pending.push(item);
    if (this.timer !== null) return;
    const wait = this.last + this.intervalMs - this.clock.now();
    if (wait <= 0) this.run();
    else this.timer = this.clock.setTimeout(() => this.run(), wait);
  }

  cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }

  private run(): void {
    this.timer = null;
    this.last = this.clock.now();
    const items = this.pending;
    this.pending = [];
    if (items.length > 0) this.flush(items);
  }
}
