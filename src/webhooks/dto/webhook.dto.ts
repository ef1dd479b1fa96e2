import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';
import { PaginationQueryDto } from '../../common/pagination.dto.js';
import { WEBHOOK_EVENTS } from '../../database/entities/webhook.entity.js';

export const MAX_URL_LENGTH = 2048;

export class CreateWebhookDto {
  @ApiProperty({
    example: 'https://hooks.example.com/cronwarden',
    maxLength: MAX_URL_LENGTH,
    description: "an http(s) URL whose address CurlJob's address rules allow (HTTP_JOB_DENY, HTTP_JOB_ALLOW)",
  })
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true, example: ['execution.failed', 'execution.timeout'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(WEBHOOK_EVENTS.length)
  @IsIn(WEBHOOK_EVENTS, { each: true })
  events!: string[];

  @ApiPropertyOptional({
    format: 'uuid',
    description: "only this job's events (a job you may act on); left out: all your jobs (an admin's: all jobs)",
  })
  @IsOptional()
  @IsUUID()
  job_id?: string;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional({ maxLength: MAX_URL_LENGTH, description: 'checked like at creation' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  url?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENTS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(WEBHOOK_EVENTS.length)
  @IsIn(WEBHOOK_EVENTS, { each: true })
  events?: string[];

  @ApiPropertyOptional({
    description:
      'false stops deliveries (pending ones fail, saying so); true enables a webhook again, also one disabled after failing',
  })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class WebhooksQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'only the webhooks of this job' })
  @IsOptional()
  @IsUUID()
  job_id?: string;
}
