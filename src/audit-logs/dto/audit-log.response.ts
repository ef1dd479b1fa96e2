import { ApiProperty } from '@nestjs/swagger';
import { AUDIT_EVENTS } from '../audit-events.js';
import type { AuditLog } from '../../database/entities/audit-log.entity.js';

export class AuditLogResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  job_id!: string | null;

  @ApiProperty({ type: String, nullable: true })
  job_name!: string | null;

  @ApiProperty({ enum: AUDIT_EVENTS })
  event!: string;

  @ApiProperty({ description: 'username of the actor' })
  user!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'id of the actor' })
  user_id!: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'whose entry this is; null: admins only' })
  owner_id!: string | null;

  @ApiProperty({ format: 'date-time' })
  created_time!: string;

  @ApiProperty()
  description!: string;
}

export class AuditLogListResponse {
  @ApiProperty({ type: [AuditLogResponse] })
  logs!: AuditLogResponse[];

  @ApiProperty()
  total!: number;
}

export function toAuditLogResponse(row: AuditLog): AuditLogResponse {
  return {
    id: row.id,
    job_id: row.jobId,
    job_name: row.jobName,
    event: row.event,
    user: row.user,
    user_id: row.userId,
    owner_id: row.ownerId,
    created_time: row.createdTime.toISOString(),
    description: row.description,
  };
}
