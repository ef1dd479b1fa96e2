import type { ExecutionState } from '../entities/execution.entity.js';

/** An execution row this instance created and must now run (state `running`) or that it recorded only. */
export interface ClaimedExecution {
  executionId: string;
  jobId: string;
  ownerId: string | null;
  jobName: string;
  jobClassString: string;
  pubArgs: unknown[];
  timeoutSeconds: number;
  scheduledTime: Date;
  state: ExecutionState;
}

/** Who writes a claim: the instance's identity, stamped on the executions it starts. */
export interface ClaimingInstance {
  id: string;
  hostname: string;
  pid: number;
}

/** A claimed execution as the claim statements return it. */
export interface ClaimedRow {
  id: string;
  job_id: string;
  owner_id: string | null;
  name: string;
  job_class_string: string;
  pub_args: unknown[];
  timeout_seconds: number;
  scheduled_time: Date;
  state: ExecutionState;
}

export const toClaimed = (row: ClaimedRow): ClaimedExecution => ({
  executionId: row.id,
  jobId: row.job_id,
  ownerId: row.owner_id,
  jobName: row.name,
  jobClassString: row.job_class_string,
  pubArgs: row.pub_args,
  timeoutSeconds: row.timeout_seconds,
  scheduledTime: row.scheduled_time,
  state: row.state,
});
