import { ApiProperty } from '@nestjs/swagger';
import { PERMISSIONS } from '../../access/permissions.js';
import type { Role } from '../../database/entities/role.entity.js';

export class RoleResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'job_manager' })
  name!: string;

  @ApiProperty()
  description!: string;

  @ApiProperty({ enum: PERMISSIONS, isArray: true })
  permissions!: string[];

  @ApiProperty({ format: 'date-time' })
  created_time!: string;
}

export class RoleListResponse {
  @ApiProperty({ type: [RoleResponse] })
  roles!: RoleResponse[];

  @ApiProperty()
  total!: number;
}

/** The roles the server treats specially, so clients can say what may not be changed. */
export class RoleDefaultsResponse {
  @ApiProperty({
    example: 'admin',
    description: 'built in: holds every permission; only its description can change; cannot be deleted',
  })
  admin_role!: string;

  @ApiProperty({
    example: 'viewer',
    description: 'DEFAULT_ROLE, given to users created without roles: cannot be renamed or deleted',
  })
  default_role!: string;
}

export class PermissionResponse {
  @ApiProperty({ enum: PERMISSIONS })
  name!: string;

  @ApiProperty()
  description!: string;
}

export class PermissionListResponse {
  @ApiProperty({ type: [PermissionResponse] })
  permissions!: PermissionResponse[];
}

const catalogueOrder = (name: string): number => (PERMISSIONS as readonly string[]).indexOf(name);

export function sortPermissionNames(names: string[]): string[] {
  return [...names].sort((a, b) => catalogueOrder(a) - catalogueOrder(b));
}

export function toRoleResponse(role: Role): RoleResponse {
  return {
    id: role.id,
    name: role.name,
    description: role.description,
    permissions: sortPermissionNames((role.permissions ?? []).map((permission) => permission.name)),
    created_time: role.createdTime.toISOString(),
  };
}
