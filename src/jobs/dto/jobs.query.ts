import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { PaginationQueryDto } from '../../common/pagination.dto.js';

/** The columns a job list may be sorted by; `-` in front sorts descending. */
export const JOB_SORT_KEYS = ['name', 'job_class_string', 'next_run_time', 'owner', 'created_time'] as const;
export type JobSortKey = (typeof JOB_SORT_KEYS)[number];
export const JOB_SORTS = JOB_SORT_KEYS.flatMap((key) => [key, `-${key}`]);
export type JobSort = JobSortKey | `-${JobSortKey}`;

export class JobsQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'name contains (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "only this owner's jobs (needs view_all or admin)" })
  @IsOptional()
  @IsUUID()
  owner_id?: string;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  paused?: boolean;

  @ApiPropertyOptional({
    enum: JOB_SORTS,
    default: 'name',
    description:
      'Order of the list: a column, descending with a leading `-` (`-next_run_time`). `owner` sorts by the ' +
      "owner's username. Ties are broken by job_id (in the same direction), so pages never overlap; jobs " +
      'without a next run (paused) come last in both directions of next_run_time.',
  })
  @IsOptional()
  @IsIn(JOB_SORTS, { message: `sort must be one of: ${JOB_SORTS.join(', ')}` })
  sort?: JobSort;
}
