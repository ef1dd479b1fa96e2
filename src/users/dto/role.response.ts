import { ApiProperty } from '@nestjs/swagger';
import { PERMISSIONS } from '../../access/permissions.js';
import type { Role } from '../entities/role.entity.js';

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
