import { ApiProperty } from '@nestjs/swagger';
import { OwnerResponse } from '../../jobs/dto/job.response.js';
import { EXECUTION_STATES, EXECUTION_TRIGGERS, type ExecutionState } from '../../database/entities/execution.entity.js';
import type { ExecutionRecord } from '../../database/repositories/execution.columns.js';

export class ExecutionJobResponse {
  @ApiProperty({ format: 'uuid' })
  job_id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ example: 'SampleJob' })
  job_class_string!: string;
}

export class ExecutionResponse {
  @ApiProperty({ format: 'uuid' })
  execution_id!: string;

  @ApiProperty({ type: ExecutionJobResponse })
  job!: ExecutionJobResponse;

  @ApiProperty({ enum: EXECUTION_STATES })
  state!: string;

  @ApiProperty({
    enum: EXECUTION_TRIGGERS,
    description: "`cron`: a scheduled fire (whatever the job's trigger); `manual`: run now; `retry`: a retry",
  })
  trigger!: string;

  @ApiProperty({ format: 'date-time' })
  scheduled_time!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  started_time!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finished_time!: string | null;

  @ApiProperty({ format: 'date-time' })
  updated_time!: string;

  @ApiProperty({ type: String, nullable: true })
  hostname!: string | null;

  @ApiProperty({ type: Number, nullable: true })
  pid!: number | null;

  @ApiProperty()
  description!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'the return value as JSON text; for a failure what the class kept ({"returncode", "stdout", "stderr"} of a ShellJob, {"status", "body"} of a CurlJob, the script\'s own {"error", "stack", "stdout", "stderr"} of a ScriptJob) or else {"error": message} (never a stack or path of the server); over RESULT_MAX_BYTES it is replaced by {"truncated": true, "bytes", "head"}',
  })
  result!: string | null;

  @ApiProperty({ type: OwnerResponse, nullable: true })
  owner!: OwnerResponse | null;

  @ApiProperty({
    example: 1,
    description: "1 for a fire's run or a run now; n for the (n-1)-th retry of a failed or timed-out run",
  })
  attempt!: number;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: "a retry's first attempt (the fire's execution), or null",
  })
  retry_of!: string | null;
}

export class ExecutionListResponse {
  @ApiProperty({ type: [ExecutionResponse] })
  executions!: ExecutionResponse[];

  @ApiProperty()
  total!: number;
}

/** One count per execution state (every state present, 0 when none). */
export class ExecutionStateCountsResponse implements Record<ExecutionState, number> {
  @ApiProperty({ minimum: 0 })
  scheduled!: number;

  @ApiProperty({ minimum: 0 })
  running!: number;

  @ApiProperty({ minimum: 0 })
  succeeded!: number;

  @ApiProperty({ minimum: 0 })
  failed!: number;

  @ApiProperty({ minimum: 0 })
  timeout!: number;

  @ApiProperty({ minimum: 0 })
  stopped!: number;

  @ApiProperty({ minimum: 0 })
  'scheduled error'!: number;

  @ApiProperty({ minimum: 0 })
  skipped!: number;

  @ApiProperty({ minimum: 0 })
  missed!: number;
}

export class ExecutionStatsResponse {
  @ApiProperty({
    type: ExecutionStateCountsResponse,
    description: 'How many executions of the range are in each state (every state present, 0 when none)',
  })
  counts!: ExecutionStateCountsResponse;

  @ApiProperty({ description: 'every execution of the range (the sum of counts)' })
  total!: number;
}

export class RunNowResponse {
  @ApiProperty({ format: 'uuid' })
  execution_id!: string;
}

const isoOrNull = (time: Date | null): string | null => (time ? time.toISOString() : null);

/**
 * An execution as the API shows it, from its record (the fields of `execution.columns.ts`) and its
 * owner's name.
 */
export function toExecutionResponse(
  execution: ExecutionRecord & { owner?: { username: string } | null },
): ExecutionResponse {
  return {
    execution_id: execution.id,
    job: { job_id: execution.jobId, name: execution.jobName, job_class_string: execution.jobClassString },
    state: execution.state,
    trigger: execution.trigger,
    scheduled_time: execution.scheduledTime.toISOString(),
    started_time: isoOrNull(execution.startedTime),
    finished_time: isoOrNull(execution.finishedTime),
    updated_time: execution.updatedTime.toISOString(),
    hostname: execution.hostname,
    pid: execution.pid,
    description: execution.description,
    result: execution.result,
    owner: execution.ownerId ? { id: execution.ownerId, username: execution.owner?.username ?? '' } : null,
    attempt: execution.attempt,
    retry_of: execution.retryOf,
  };
}
