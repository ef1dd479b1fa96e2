import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { TimeRangeQueryDto } from '../../common/time-range.dto.js';
import { AUDIT_EVENTS, type AuditEvent } from '../audit-events.js';

export class AuditLogsQueryDto extends TimeRangeQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: "Only this job's entries (empty for a job you cannot see)" })
  @IsOptional()
  @IsUUID()
  job_id?: string;

  @ApiPropertyOptional({ enum: AUDIT_EVENTS })
  @IsOptional()
  @IsIn(AUDIT_EVENTS)
  event?: AuditEvent;
}
