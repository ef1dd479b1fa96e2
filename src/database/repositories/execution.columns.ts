import type { Execution } from '../entities/execution.entity.js';

/** An execution's stored fields (the entity without its relation). */
export type ExecutionRecord = Omit<Execution, 'owner'>;

/** An execution with its owner's id and name (null once the owner is deleted), as every API answer shows it. */
export type ExecutionWithOwner = ExecutionRecord & { owner: { id: string; username: string } | null };

/**
 * The one declaration of an execution's columns: entity property → column name. The list SQL, the
 * row type of raw reads and the row → record mapping derive from it (and the API's mapping,
 * `toExecutionResponse`, from the record type); a new column is one line here (plus the entity and
 * the API's DTO).
 */
export const EXECUTION_COLUMNS = {
  id: 'id',
  jobId: 'job_id',
  jobName: 'job_name',
  jobClassString: 'job_class_string',
  ownerId: 'owner_id',
  state: 'state',
  trigger: 'trigger',
  scheduledTime: 'scheduled_time',
  startedTime: 'started_time',
  finishedTime: 'finished_time',
  updatedTime: 'updated_time',
  hostname: 'hostname',
  pid: 'pid',
  instanceId: 'instance_id',
  description: 'description',
  result: 'result',
  attempt: 'attempt',
  retryOf: 'retry_of',
} as const satisfies { [K in keyof ExecutionRecord]: string };

export type ExecutionField = keyof typeof EXECUTION_COLUMNS;

/** A raw row (pg's own types: timestamptz → Date, integer → number) of the given fields. */
export type ExecutionRow<F extends ExecutionField = ExecutionField> = {
  [K in F as (typeof EXECUTION_COLUMNS)[K]]: ExecutionRecord[K];
};

export const ALL_EXECUTION_FIELDS = Object.keys(EXECUTION_COLUMNS) as ExecutionField[];

/** `alias.column, ...` of `fields`, in their order. */
export function executionColumnsSql(fields: readonly ExecutionField[], alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return fields.map((field) => `${prefix}${EXECUTION_COLUMNS[field]}`).join(', ');
}

/**
 * A whole execution from a raw row with every column, written out rather than looped over
 * {@link EXECUTION_COLUMNS} (an object literal is the cheap way to map a page of rows, as
 * `fullJobOfRow` measured). The compiler keeps it complete: it must return every field of
 * {@link ExecutionRecord} from a row typed by the column map.
 */
export function fullExecutionOfRow(row: ExecutionRow): ExecutionRecord {
  return {
    id: row.id,
    jobId: row.job_id,
    jobName: row.job_name,
    jobClassString: row.job_class_string,
    ownerId: row.owner_id,
    state: row.state,
    trigger: row.trigger,
    scheduledTime: row.scheduled_time,
    startedTime: row.started_time,
    finishedTime: row.finished_time,
    updatedTime: row.updated_time,
    hostname: row.hostname,
    pid: row.pid,
    instanceId: row.instance_id,
    description: row.description,
    result: row.result,
    attempt: row.attempt,
    retryOf: row.retry_of,
  };
}
