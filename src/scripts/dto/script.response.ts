import { ApiProperty } from '@nestjs/swagger';
import { OwnerResponse } from '../../jobs/dto/job.response.js';
import type { Script } from '../../database/entities/script.entity.js';
import { SCRIPT_LANGUAGES, type ScriptLanguage } from '../script-language.js';

export class ScriptJobRefResponse {
  @ApiProperty({ format: 'uuid' })
  job_id!: string;

  @ApiProperty()
  name!: string;
}

export class ScriptResponse {
  @ApiProperty({ format: 'uuid' })
  script_id!: string;

  @ApiProperty({ example: 'report.mjs' })
  name!: string;

  @ApiProperty({
    enum: SCRIPT_LANGUAGES,
    enumName: 'ScriptLanguage',
    description: 'javascript (a .js or .mjs module exporting run) or python (a .py module defining run)',
  })
  language!: ScriptLanguage;

  @ApiProperty({ description: 'SHA-256 of the source, hex' })
  sha256!: string;

  @ApiProperty({ description: 'bytes' })
  size!: number;

  @ApiProperty({ format: 'date-time' })
  created_time!: string;

  @ApiProperty({ type: OwnerResponse })
  owner!: OwnerResponse;

  @ApiProperty({
    type: [ScriptJobRefResponse],
    description:
      'the ScriptJobs that run this script (pub_args[0]), of those the caller may see, by name; a delete is refused (409) while any job uses it',
  })
  jobs!: ScriptJobRefResponse[];
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

export function toScriptResponse(script: Script, jobs: ScriptJobRefResponse[] = []): ScriptResponse {
  return {
    script_id: script.id,
    name: script.name,
    language: script.language,
    sha256: script.sha256,
    size: script.size,
    created_time: script.createdTime.toISOString(),
    owner: { id: script.ownerId, username: script.owner?.username ?? '' },
    jobs,
  };
}

export function toScriptWithSourceResponse(script: Script, jobs: ScriptJobRefResponse[]): ScriptWithSourceResponse {
  return { ...toScriptResponse(script, jobs), source: script.source };
}
