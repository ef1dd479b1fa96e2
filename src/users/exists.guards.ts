import { Injectable } from '@nestjs/common';
import { ExistsGuard } from '../common/exists.guard.js';
import { RolesService } from './roles.service.js';
import { UsersService } from './users.service.js';

@Injectable()
export class UserExistsGuard extends ExistsGuard {
  protected readonly what = 'User';

  constructor(private readonly users: UsersService) {
    super();
  }

  protected exists(id: string): Promise<boolean> {
    return this.users.exists(id);
  }
}

@Injectable()
export class RoleExistsGuard extends ExistsGuard {
  protected readonly what = 'Role';

  constructor(private readonly roles: RolesService) {
    super();
  }

  protected exists(id: string): Promise<boolean> {
    return this.roles.exists(id);
  }
}
