import { ApiProperty } from '@nestjs/swagger';

export class HealthResponse {
  @ApiProperty({ enum: ['ok', 'error'], example: 'ok' })
  status!: 'ok' | 'error';

  @ApiProperty({ enum: ['up', 'down'], example: 'up', description: 'PostgreSQL answers a ping within 1.5 s' })
  db!: 'up' | 'down';

  @ApiProperty({ enum: ['starting', 'running', 'stopping', 'stopped'], example: 'running' })
  scheduler!: string;

  @ApiProperty({
    example: false,
    description:
      'true while this instance starts no fire: the scheduler switch is paused, or SCHEDULER_START_PAUSED holds it',
  })
  scheduler_paused!: boolean;

  @ApiProperty({
    type: String,
    enum: ['switch', 'start_paused'],
    nullable: true,
    example: null,
    description:
      'why it is paused: switch (an admin paused the scheduler, GET /api/v1/scheduler says who), or start_paused ' +
      '(started with SCHEDULER_START_PAUSED=true and not resumed since); null while it fires',
  })
  scheduler_pause_reason!: 'switch' | 'start_paused' | null;

  @ApiProperty({ example: 42, description: 'active jobs this instance fires' })
  registered_jobs!: number;

  @ApiProperty({ example: 3, description: 'executions running on this instance' })
  running_executions!: number;

  @ApiProperty({
    description: 'event-loop delay over the last complete window (how late timers run)',
    example: { p50_ms: 10.1, p99_ms: 12.3, max_ms: 20.5, window_s: 10 },
  })
  event_loop!: Record<string, number>;

  @ApiProperty({
    description: 'this instance; hostname and pid only for an admin token or METRICS_TOKEN',
    example: { id: 'uuid', hostname: 'vm', pid: 1234 },
  })
  instance!: { id: string; hostname?: string; pid?: number };

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'instances heartbeating now (null while the database is away)',
  })
  instances_alive!: number | null;

  @ApiProperty({
    description: "since start: fires this instance's timers proposed, won, and lost to other instances",
    example: { fires: 120, claimed: 61, lost_to_others: 59, catch_ups: 0 },
  })
  dispatch!: { fires: number; claimed: number; lost_to_others: number; catch_ups: number };

  @ApiProperty({ enum: ['listening', 'reconnecting'], description: 'the LISTEN connection for job changes' })
  job_sync!: 'listening' | 'reconnecting';

  @ApiProperty({ example: 12.5, description: 'seconds since this instance started' })
  uptime_seconds!: number;

  @ApiProperty({ example: '0.1.0' })
  version!: string;

  @ApiProperty({ description: 'terminus details per indicator', example: { database: { status: 'up' } } })
  details!: Record<string, unknown>;
}
