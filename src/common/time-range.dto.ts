import { BadRequestException } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';
import { PaginationQueryDto } from './pagination.dto.js';

const ONE_HOUR_MS = 60 * 60 * 1000;

/** `time_range_start` / `time_range_end` (ISO 8601; default: the last hour) plus pagination. */
export class TimeRangeQueryDto extends PaginationQueryDto {
  // No example: Swagger UI's "Try it out" would send it, and a fixed date hides everything recent.
  @ApiPropertyOptional({ description: 'ISO 8601, e.g. 2026-11-23T10:00:00Z; default: one hour before time_range_end' })
  @IsOptional()
  @IsISO8601({ strict: true })
  time_range_start?: string;

  @ApiPropertyOptional({ description: 'ISO 8601, e.g. 2026-11-23T11:00:00Z; default: now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  time_range_end?: string;
}

export interface TimeRange {
  start: Date;
  end: Date;
}

/** The effective range of a query: defaults filled in, start after end refused (400). */
export function resolveTimeRange(
  query: Pick<TimeRangeQueryDto, 'time_range_start' | 'time_range_end'>,
  now = new Date(),
): TimeRange {
  const end = query.time_range_end ? new Date(query.time_range_end) : now;
  const start = query.time_range_start ? new Date(query.time_range_start) : new Date(end.getTime() - ONE_HOUR_MS);
  if (start > end) throw new BadRequestException(['time_range_start must not be after time_range_end']);
  return { start, end };
}
