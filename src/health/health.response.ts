import { ApiProperty } from '@nestjs/swagger';

export class HealthResponse {
  @ApiProperty({ enum: ['ok', 'error'], example: 'ok' })
  status!: 'ok' | 'error';

  @ApiProperty({ enum: ['up', 'down'], example: 'up', description: 'PostgreSQL answers a ping within 1.5 s' })
  db!: 'up' | 'down';

  @ApiProperty({ example: 12.5, description: 'seconds since this instance started' })
  uptime_seconds!: number;

  @ApiProperty({ example: '0.1.0' })
  version!: string;

  @ApiProperty({ description: 'terminus details per indicator', example: { database: { status: 'up' } } })
  details!: Record<string, unknown>;
}
