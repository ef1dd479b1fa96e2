import { Module } from '@nestjs/common';
import { AuthCoreModule } from '../auth/auth-core.module.js';
import { RoleExistsGuard, UserExistsGuard } from './exists.guards.js';
import { RolesController } from './roles.controller.js';
import { RolesService } from './roles.service.js';
import { UsersController } from './users.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [AuthCoreModule],
  providers: [UsersService, RolesService, UserExistsGuard, RoleExistsGuard],
  controllers: [UsersController, RolesController],
  exports: [UsersService, RolesService],
})
export class UsersModule {}
