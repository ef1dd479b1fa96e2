import { ApiProperty, ApiPropertyOptional, OmitType, PickType } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsObject, IsOptional, validateSync, type ValidationError } from 'class-validator';
import { CreateJobDto } from './job.dto.js';
import { JobResponse } from './job.response.js';
import { JobsQueryDto } from './jobs.query.js';

/** How many jobs one import may hold (the whole batch is validated and written at once). */
export const MAX_IMPORT_JOBS = 1000;

export const ON_CONFLICT = ['fail', 'skip', 'update'] as const;
export type OnConflict = (typeof ON_CONFLICT)[number];

/** The filters of `GET /jobs/export`: those of `GET /jobs`, without paging or order. */
export class ExportJobsQueryDto extends PickType(JobsQueryDto, ['q', 'owner_id', 'paused'] as const) {}

/** A job as exported: its definition, without job_id, owner, next run, suspension and timestamps. */
export class ExportedJob extends OmitType(JobResponse, [
  'job_id',
  'owner',
  'next_run_time',
  'suspended_reason',
  'created_time',
  'updated_time',
] as const) {}

export class JobExportResponse {
  @ApiProperty({ type: [ExportedJob], description: 'the jobs you may see (with the filters given), by name' })
  jobs!: ExportedJob[];
}

/** One job of an import: the body of `POST /jobs` without `owner_id` (an import belongs to the caller). */
export class ImportedJobDto extends OmitType(CreateJobDto, ['owner_id'] as const) {}

export class ImportJobsDto {
  @ApiProperty({
    type: [ImportedJobDto],
    maxItems: MAX_IMPORT_JOBS,
    description:
      'Jobs as GET /jobs/export gives them (each as the body of POST /jobs, without owner_id). All are validated ' +
      'before anything is written; a problem is a 400 naming the index and field, e.g. `jobs[3].hour "25" is out ' +
      'of range 0-23`.',
  })
  @IsArray()
  @ArrayMaxSize(MAX_IMPORT_JOBS)
  @IsObject({ each: true, message: 'each of jobs must be an object' })
  jobs!: Array<Record<string, unknown>>;

  @ApiPropertyOptional({
    enum: ON_CONFLICT,
    default: 'fail',
    description:
      'What to do with a job whose name one of your jobs has already: `fail` (409 naming the names, nothing ' +
      'written), `skip` (keep yours; an import run twice creates nothing the second time), `update` (yours ' +
      'becomes the imported job, fields not given taking the defaults of a new job; needs job_modify).',
  })
  @IsOptional()
  @IsIn(ON_CONFLICT, { message: `on_conflict must be one of: ${ON_CONFLICT.join(', ')}` })
  on_conflict?: OnConflict;
}

export class ImportedJobResponse {
  @ApiProperty({ format: 'uuid' })
  job_id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: ['created', 'updated', 'skipped'] })
  action!: 'created' | 'updated' | 'skipped';
}

export class JobImportResponse {
  @ApiProperty({ description: 'jobs created' })
  created!: number;

  @ApiProperty({ description: 'existing jobs changed (on_conflict=update)' })
  updated!: number;

  @ApiProperty({
    description: 'your jobs of those names, left as they were (on_conflict=skip, or update with nothing to change)',
  })
  skipped!: number;

  @ApiProperty({
    type: [ImportedJobResponse],
    description: 'each imported job in the order given: the job created, updated or (skipped) matched',
  })
  jobs!: ImportedJobResponse[];
}

const messagesOf = (errors: ValidationError[], prefix: string): string[] =>
  errors.flatMap((error) => [
    ...Object.values(error.constraints ?? {}).map((message) => `${prefix}${message}`),
    ...messagesOf(error.children ?? [], prefix),
  ]);

/**
 * One job of an import checked as the body of `POST /jobs` is (the same DTO and options as the global
 * pipe): the DTO, or the messages, each prefixed with `jobs[index].`.
 */
export function importedJobOf(value: Record<string, unknown>, index: number): ImportedJobDto | string[] {
  const prefix = `jobs[${index}].`;
  if ('owner_id' in value) return [`${prefix}owner_id is not accepted: imported jobs belong to the caller`];
  const dto = plainToInstance(ImportedJobDto, value);
  const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  return errors.length > 0 ? messagesOf(errors, prefix) : dto;
}
