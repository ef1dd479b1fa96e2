import { ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { TimeRangeQueryDto } from '../../common/time-range.dto.js';
import { EXECUTION_STATES, type ExecutionState } from '../../database/entities/execution.entity.js';

export class ExecutionsQueryDto extends TimeRangeQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: "only this job's executions (empty for a job you cannot see)" })
  @IsOptional()
  @IsUUID()
  job_id?: string;

  @ApiPropertyOptional({ enum: EXECUTION_STATES })
  @IsOptional()
  @IsIn(EXECUTION_STATES)
  state?: ExecutionState;
}

/** The statistics of a range: the list's time range and job filter, without state or pagination. */
export class ExecutionStatsQueryDto extends OmitType(ExecutionsQueryDto, ['state', 'limit', 'offset'] as const) {}
