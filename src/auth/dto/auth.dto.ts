import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { PERMISSIONS } from '../../access/permissions.js';
import { MaxBytes } from '../../common/max-bytes.validator.js';
import { PASSWORD_MAX_BYTES, PASSWORD_MAX_LENGTH } from '../password-policy.js';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  username!: string;

  @ApiProperty({ example: 'correct-horse-7-battery' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_MAX_LENGTH)
  @MaxBytes(PASSWORD_MAX_BYTES)
  password!: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_MAX_LENGTH)
  @MaxBytes(PASSWORD_MAX_BYTES)
  current_password!: string;

  @ApiProperty({
    description: 'at least PASSWORD_MIN_LENGTH (12) characters, at most 128 and 72 bytes; common passwords refused',
  })
  @IsString()
  @MaxLength(PASSWORD_MAX_LENGTH)
  @MaxBytes(PASSWORD_MAX_BYTES)
  new_password!: string;
}

export class LoginUserResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  username!: string;

  @ApiProperty({ type: [String] })
  roles!: string[];

  @ApiProperty({ enum: PERMISSIONS, isArray: true })
  permissions!: string[];
}

export class LoginResponse {
  @ApiProperty({ description: 'paste it into Swagger UI’s Authorize dialog' })
  access_token!: string;

  @ApiProperty({ example: 'Bearer' })
  token_type!: 'Bearer';

  @ApiProperty({ example: 3600, description: 'seconds until the token expires' })
  expires_in!: number;

  @ApiProperty({ type: LoginUserResponse })
  user!: LoginUserResponse;
}

export class MeResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  username!: string;

  @ApiProperty({ type: String, nullable: true })
  email!: string | null;

  @ApiProperty()
  is_active!: boolean;

  @ApiProperty({ type: [String] })
  roles!: string[];

  @ApiProperty({ enum: PERMISSIONS, isArray: true })
  permissions!: string[];
}
