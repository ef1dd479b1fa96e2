import { ApiProperty } from '@nestjs/swagger';
import type { SchedulerSwitchRecord } from '../../database/repositories/scheduler-state.repository.js';

export class SchedulerPausedByResponse {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'the user who paused it; null only for a system actor without an account',
  })
  id!: string | null;

  @ApiProperty()
  username!: string;
}

export class SchedulerStateResponse {
  @ApiProperty({ description: 'true: no instance starts a fire (scheduled or run now) until an admin resumes' })
  paused!: boolean;

  @ApiProperty({ type: SchedulerPausedByResponse, nullable: true, description: 'who paused it; null while running' })
  paused_by!: SchedulerPausedByResponse | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  paused_time!: string | null;

  @ApiProperty({
    type: [String],
    description:
      'ids of live instances started with SCHEDULER_START_PAUSED=true that fire nothing until the next resume ' +
      '(which releases them all), even while the switch says running',
  })
  start_paused_instances!: string[];
}

export const toSchedulerStateResponse = (record: SchedulerSwitchRecord): SchedulerStateResponse => ({
  paused: record.paused,
  paused_by: record.pausedBy ? { id: record.pausedBy.id, username: record.pausedBy.username } : null,
  paused_time: record.pausedTime ? record.pausedTime.toISOString() : null,
  start_paused_instances: record.startPausedHolds,
});
