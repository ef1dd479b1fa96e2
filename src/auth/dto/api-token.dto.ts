import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import { PERMISSIONS } from '../../access/permissions.js';

export class CreateApiTokenDto {
  @ApiProperty({ example: 'nightly backup script', maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'when the token stops working (in the future); never when left out',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  expires_at?: string;

  @ApiPropertyOptional({
    enum: PERMISSIONS,
    isArray: true,
    description:
      'what the token may do: a subset of your own permissions; left out: all of yours. Always narrowed to your current permissions when used',
  })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(PERMISSIONS.length)
  @IsIn(PERMISSIONS, { each: true })
  permissions?: string[];
}

export class ApiTokenResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ example: 'cw_Ab3dE6gH', description: 'the first characters of the token, not secret' })
  prefix!: string;

  @ApiProperty({
    enum: PERMISSIONS,
    isArray: true,
    nullable: true,
    description: "the token's permission list; null: all of the owner's",
  })
  permissions!: string[] | null;

  @ApiProperty({ format: 'date-time' })
  created_time!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null: never expires' })
  expires_at!: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'last request made with it (recorded at most once a minute); null: never used',
  })
  last_used_time!: string | null;
}

export class CreatedApiTokenResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({
    example: 'cw_Ab3dE6gHxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    description: 'the secret: shown only in this answer. Send it as `Authorization: Bearer cw_...`',
  })
  token!: string;

  @ApiProperty({ example: 'cw_Ab3dE6gH' })
  prefix!: string;

  @ApiProperty({ enum: PERMISSIONS, isArray: true, nullable: true })
  permissions!: string[] | null;

  @ApiProperty({ format: 'date-time' })
  created_time!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expires_at!: string | null;
}

export class ApiTokenListResponse {
  @ApiProperty({ type: [ApiTokenResponse] })
  tokens!: ApiTokenResponse[];

  @ApiProperty()
  total!: number;
}
