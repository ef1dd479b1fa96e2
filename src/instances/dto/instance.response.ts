import { ApiProperty } from '@nestjs/swagger';

export class InstanceResponse {
  @ApiProperty()
  instance_id!: string;

  @ApiProperty()
  hostname!: string;

  @ApiProperty()
  pid!: number;

  @ApiProperty()
  version!: string;

  @ApiProperty({ enum: ['alive', 'stale', 'stopped'], description: 'stale: no heartbeat for INSTANCE_STALE_SECONDS' })
  status!: 'alive' | 'stale' | 'stopped';

  @ApiProperty({ format: 'date-time' })
  started_time!: string;

  @ApiProperty({ format: 'date-time' })
  heartbeat_time!: string;

  @ApiProperty({
    description: "seconds since its last heartbeat, by the database's clock when answering (no browser clock skew)",
  })
  heartbeat_age_seconds!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  stopped_time!: string | null;

  @ApiProperty({ description: 'executions running on it now' })
  running_executions!: number;

  @ApiProperty({ description: 'this is the instance that answered' })
  current!: boolean;
}

export class InstanceListResponse {
  @ApiProperty({ type: [InstanceResponse] })
  instances!: InstanceResponse[];

  @ApiProperty()
  total!: number;
}
