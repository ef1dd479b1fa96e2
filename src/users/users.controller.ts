import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, UseGuards } from '@nestjs/common';
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
import { CurrentUser, RequirePermissions } from '../auth/decorators.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { CreateUserDto, DeleteUserQueryDto, SetUserRolesDto, UpdateUserDto, UsersQueryDto } from './dto/user.dto.js';
import { toUserResponse, UserListResponse, UserOwnershipResponse, UserResponse } from './dto/user.response.js';
import { UserExistsGuard } from './exists.guards.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@Controller(`${API_PREFIX}/users`)
@RequirePermissions('user_manage')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'List users, by username; filters q (username or email contains), role, is_active' })
  @ApiOkResponse({ type: UserListResponse })
  async list(@Query() query: UsersQueryDto): Promise<UserListResponse> {
    const { q, role, is_active } = query;
    const { rows, total } = await this.users.list({ q, role, is_active }, query.limit, query.offset);
    return { users: rows.map(toUserResponse), total };
  }

  @Post()
  @ApiOperation({ summary: 'Create a user (roles default to DEFAULT_ROLE)' })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiBadRequestResponse({ description: 'Invalid field, password refused by the policy, unknown role' })
  @ApiConflictResponse({ description: 'Username taken' })
  async create(@CurrentUser() actor: AuthUser, @Body() dto: CreateUserDto): Promise<UserResponse> {
    return toUserResponse(await this.users.create(actor, dto));
  }

  @Get(':id')
  @UseGuards(UserExistsGuard)
  @ApiOperation({ summary: 'Get a user' })
  @ApiOkResponse({ type: UserResponse })
  @ApiNotFoundResponse()
  async get(@Param('id') id: string): Promise<UserResponse> {
    return toUserResponse(await this.users.get(id));
  }

  @Get(':id/ownership')
  @UseGuards(UserExistsGuard)
  @ApiOperation({
    summary: 'How many jobs and scripts a user owns (a user who owns any cannot be deleted without reassign_to)',
  })
  @ApiOkResponse({ type: UserOwnershipResponse })
  @ApiNotFoundResponse()
  async ownership(@Param('id') id: string): Promise<UserOwnershipResponse> {
    return this.users.ownership(id);
  }

  @Patch(':id')
  @UseGuards(UserExistsGuard)
  @ApiOperation({ summary: 'Change email, enable/disable, or set a new password (the last two revoke their tokens)' })
  @ApiOkResponse({ type: UserResponse })
  @ApiNotFoundResponse()
  @ApiBadRequestResponse()
  @ApiConflictResponse({ description: 'Disabling the last active admin' })
  async update(
    @CurrentUser() actor: AuthUser,
    @Param('id') id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserResponse> {
    return toUserResponse(await this.users.update(actor, id, dto));
  }

  @Put(':id/roles')
  @UseGuards(UserExistsGuard)
  @ApiOperation({ summary: "Replace a user's roles (only within the permissions you hold)" })
  @ApiOkResponse({ type: UserResponse })
  @ApiNotFoundResponse()
  @ApiBadRequestResponse({ description: 'Unknown role' })
  @ApiConflictResponse({ description: 'Demoting the last active admin' })
  async setRoles(
    @CurrentUser() actor: AuthUser,
    @Param('id') id: string,
    @Body() dto: SetUserRolesDto,
  ): Promise<UserResponse> {
    return toUserResponse(await this.users.setRoles(actor, id, dto.roles));
  }

  @Delete(':id')
  @HttpCode(204)
  @UseGuards(UserExistsGuard)
  @ApiOperation({ summary: 'Delete a user (their audit log entries stay, for admins)' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse()
  @ApiConflictResponse({ description: 'Deleting the last active admin, or a user who owns jobs without reassign_to' })
  async remove(
    @CurrentUser() actor: AuthUser,
    @Param('id') id: string,
    @Query() query: DeleteUserQueryDto,
  ): Promise<void> {
    await this.users.remove(actor, id, query.reassign_to);
  }
}
