import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AdminBootstrapService } from '../users/admin-bootstrap.service.js';
import { UsersModule } from '../users/users.module.js';
import { AuthCoreModule } from './auth-core.module.js';
import { AuthMaintenanceService } from './auth-maintenance.service.js';
import { ApiTokensController } from './api-tokens.controller.js';
import { AuthController } from './auth.controller.js';
import { AuthService } from './auth.service.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';
import { PermissionsGuard } from './permissions.guard.js';

/** Login, logout, me, password; the two global guards (token first, then permissions); the first admin at start. */
@Module({
  imports: [AuthCoreModule, UsersModule],
  providers: [
    AuthService,
    AuthMaintenanceService,
    AdminBootstrapService,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: PermissionsGuard },
  ],
  controllers: [AuthController, ApiTokensController],
})
export class AuthModule {}
