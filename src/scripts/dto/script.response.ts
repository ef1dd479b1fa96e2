import { ApiProperty } from '@nestjs/swagger';
import { OwnerResponse } from '../../jobs/dto/job.response.js';
import type { Script } from '../entities/script.entity.js';

export class ScriptResponse {
  @ApiProperty({ format: 'uuid' })
  script_id!: string;

  @ApiProperty({ example: 'report.mjs' })
  name!: string;

  @ApiProperty({ description: 'SHA-256 of the source, hex' })
  sha256!: string;

  @ApiProperty({ description: 'bytes' })
  size!: number;

  @ApiProperty({ format: 'date-time' })
  created_time!: string;

  @ApiProperty({ type: OwnerResponse })
  owner!: OwnerResponse;
}

export class ScriptWithSourceResponse extends ScriptResponse {
  @ApiProperty()
  source!: string;
}

export class ScriptListResponse {
  @ApiProperty({ type: [ScriptResponse] })
  scripts!: ScriptResponse[];

  @ApiProperty()
  total!: number;
}

export function toScriptResponse(script: Script): ScriptResponse {
  return {
    script_id: script.id,
    name: script.name,
    sha256: script.sha256,
    size: script.size,
    created_time: script.createdTime.toISOString(),
    owner: { id: script.ownerId, username: script.owner?.username ?? '' },
  };
}

export function toScriptWithSourceResponse(script: Script): ScriptWithSourceResponse {
  return { ...toScriptResponse(script), source: script.source };
}
