import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import { MaxBytes } from '../../common/max-bytes.validator.js';
import { PaginationQueryDto } from '../../common/pagination.dto.js';
import { PASSWORD_MAX_BYTES, PASSWORD_MAX_LENGTH } from '../../auth/password-policy.js';

export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$/;
const USERNAME_RULE =
  'username must be 3 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit';

export class CreateUserDto {
  @ApiProperty({ example: 'alice', pattern: USERNAME_PATTERN.source, description: 'unique regardless of case' })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username!: string;

  @ApiProperty({
    example: 'correct-horse-7-battery',
    description: `at least PASSWORD_MIN_LENGTH (12) characters, at most ${PASSWORD_MAX_LENGTH} and ${PASSWORD_MAX_BYTES} bytes; common passwords refused`,
  })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  @MaxBytes(PASSWORD_MAX_BYTES)
  password!: string;

  @ApiPropertyOptional({ example: 'alice@example.com' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ type: [String], example: ['job_manager'], description: 'default: DEFAULT_ROLE (viewer)' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  roles?: string[];

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  is_active?: boolean;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'alice@example.com' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string | null;

  @ApiPropertyOptional({ description: 'false disables the user and revokes their tokens' })
  @IsOptional()
  @IsBoolean()
  is_active?: boolean;

  @ApiPropertyOptional({ description: "sets a new password and revokes the user's tokens" })
  @IsOptional()
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  @MaxBytes(PASSWORD_MAX_BYTES)
  password?: string;
}

export class SetUserRolesDto {
  @ApiProperty({ type: [String], example: ['job_manager'] })
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  roles!: string[];
}

export class DeleteUserQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: "who takes over the user's jobs (and their executions)" })
  @IsOptional()
  @IsUUID()
  reassign_to?: string;
}

export class UsersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: 'username or email contains (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ example: 'admin', description: 'only users holding this role (by name)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  role?: string;

  @ApiPropertyOptional({ type: Boolean, description: 'only active (true) or disabled (false) users' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  is_active?: boolean;
}
