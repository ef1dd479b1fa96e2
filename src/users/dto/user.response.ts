import { ApiProperty } from '@nestjs/swagger';
import type { User } from '../../database/entities/user.entity.js';

/** A user as the API shows it: never a password or its hash. */
export class UserResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'alice' })
  username!: string;

  @ApiProperty({ type: String, nullable: true, example: 'alice@example.com' })
  email!: string | null;

  @ApiProperty()
  is_active!: boolean;

  @ApiProperty({ type: [String], example: ['job_manager'] })
  roles!: string[];

  @ApiProperty({ format: 'date-time' })
  created_time!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_login!: string | null;
}

export class UserListResponse {
  @ApiProperty({ type: [UserResponse] })
  users!: UserResponse[];

  @ApiProperty()
  total!: number;
}

export function toUserResponse(user: User): UserResponse {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    is_active: user.isActive,
    roles: (user.roles ?? []).map((role) => role.name).sort(),
    created_time: user.createdTime.toISOString(),
    last_login: user.lastLogin ? user.lastLogin.toISOString() : null,
  };
}

/** What a user owns: a user who owns anything cannot be deleted without `reassign_to`. */
export class UserOwnershipResponse {
  @ApiProperty({ description: 'jobs the user owns' })
  jobs!: number;

  @ApiProperty({ description: 'scripts the user uploaded' })
  scripts!: number;
}
