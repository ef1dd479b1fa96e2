import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../access/auth-user.js';
import { CurrentUser, RequireAnyPermission, RequirePermissions } from '../auth/decorators.js';
import { PaginationQueryDto } from '../common/pagination.dto.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { CreateRoleDto, UpdateRoleDto } from './dto/role.dto.js';
import {
  PermissionListResponse,
  RoleDefaultsResponse,
  RoleListResponse,
  RoleResponse,
  toRoleResponse,
} from './dto/role.response.js';
import { RoleExistsGuard } from './exists.guards.js';
import { RolesService } from './roles.service.js';

@ApiTags('roles')
@Controller(API_PREFIX)
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Get('roles')
  @RequireAnyPermission('role_manage', 'user_manage')
  @ApiOperation({ summary: 'List roles with their permissions' })
  @ApiOkResponse({ type: RoleListResponse })
  async list(@Query() query: PaginationQueryDto): Promise<RoleListResponse> {
    const { rows, total } = await this.roles.list(query.limit, query.offset);
    return { roles: rows.map(toRoleResponse), total };
  }

  @Get('roles/defaults')
  @RequireAnyPermission('role_manage', 'user_manage')
  @ApiOperation({ summary: 'The built-in admin role and the default role of new users (DEFAULT_ROLE)' })
  @ApiOkResponse({ type: RoleDefaultsResponse })
  defaults(): RoleDefaultsResponse {
    return this.roles.defaults();
  }

  @Post('roles')
  @RequirePermissions('role_manage')
  @ApiOperation({ summary: 'Create a role (only with permissions you hold)' })
  @ApiCreatedResponse({ type: RoleResponse })
  @ApiBadRequestResponse({ description: 'Unknown permission name, invalid name' })
  @ApiConflictResponse({ description: 'Name taken' })
  async create(@CurrentUser() actor: AuthUser, @Body() dto: CreateRoleDto): Promise<RoleResponse> {
    return toRoleResponse(await this.roles.create(actor, dto));
  }

  @Patch('roles/:id')
  @RequirePermissions('role_manage')
  @UseGuards(RoleExistsGuard)
  @ApiOperation({ summary: 'Change a role; the admin role only takes a new description' })
  @ApiOkResponse({ type: RoleResponse })
  @ApiNotFoundResponse()
  @ApiBadRequestResponse({ description: 'Unknown permission name' })
  @ApiConflictResponse({ description: 'Renaming or changing the admin role, renaming the default role, name taken' })
  async update(
    @CurrentUser() actor: AuthUser,
    @Param('id') id: string,
    @Body() dto: UpdateRoleDto,
  ): Promise<RoleResponse> {
    return toRoleResponse(await this.roles.update(actor, id, dto));
  }

  @Delete('roles/:id')
  @HttpCode(204)
  @RequirePermissions('role_manage')
  @UseGuards(RoleExistsGuard)
  @ApiOperation({ summary: 'Delete a role (users holding it lose it)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'The admin role or the default role' })
  async remove(@CurrentUser() actor: AuthUser, @Param('id') id: string): Promise<void> {
    await this.roles.remove(actor, id);
  }

  @Get('permissions')
  @RequireAnyPermission('role_manage', 'user_manage')
  @ApiOperation({ summary: 'The permission catalogue' })
  @ApiOkResponse({ type: PermissionListResponse })
  async permissions(): Promise<PermissionListResponse> {
    const rows = await this.roles.listPermissions();
    return { permissions: rows.map((row) => ({ name: row.name, description: row.description })) };
  }
}
