import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PERMISSIONS } from '../../access/permissions.js';

export const ROLE_NAME_PATTERN = /^[a-z][a-z0-9_-]{1,63}$/;

export class CreateRoleDto {
  @ApiProperty({ example: 'auditor', pattern: ROLE_NAME_PATTERN.source })
  @IsString()
  @Matches(ROLE_NAME_PATTERN, {
    message: 'name must be 2 to 64 lowercase letters, digits, dashes or underscores, starting with a letter',
  })
  name!: string;

  @ApiPropertyOptional({ example: 'Reads audit logs of everyone' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiProperty({ enum: PERMISSIONS, isArray: true, example: ['audit_view', 'view_all'] })
  @IsArray()
  @ArrayUnique()
  @IsIn(PERMISSIONS, { each: true, message: `permissions may only contain ${PERMISSIONS.join(', ')}` })
  permissions!: string[];
}

export class UpdateRoleDto extends PartialType(CreateRoleDto) {}
