import { ApiProperty } from '@nestjs/swagger';
import { JOB_CHANGES } from '../change-notice.js';

/** `data` of a `job` event of `GET /api/v1/events`. */
export class JobChangeEvent {
  @ApiProperty({ format: 'uuid' })
  job_id!: string;

  @ApiProperty({ enum: JOB_CHANGES })
  change!: string;
}

/** `data` of an `output` event of `GET /api/v1/executions/{execution_id}/output`. */
export class OutputChunkEvent {
  @ApiProperty({ enum: ['stdout', 'stderr'] })
  stream!: string;

  @ApiProperty({ description: 'text as the program wrote it (UTF-8; a chunk never splits a character)' })
  data!: string;
}

/** `data` of a `resync` event: nothing, the client refetches what it shows. */
export class ResyncEvent {}
