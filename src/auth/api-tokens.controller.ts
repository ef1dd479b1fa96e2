import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../access/auth-user.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { ApiTokenService } from './api-token.service.js';
import { CurrentUser, NotWithApiToken, RequirePermissions } from './decorators.js';
import {
  ApiTokenListResponse,
  type ApiTokenResponse,
  CreateApiTokenDto,
  CreatedApiTokenResponse,
} from './dto/api-token.dto.js';
import type { ApiToken } from '../database/entities/api-token.entity.js';

function toResponse(row: ApiToken): ApiTokenResponse {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    permissions: row.permissions,
    created_time: row.createdTime.toISOString(),
    expires_at: row.expiresAt?.toISOString() ?? null,
    last_used_time: row.lastUsedTime?.toISOString() ?? null,
  };
}

/** The caller's own API tokens: for scripts, CI jobs and services that call the API without a password. */
@ApiTags('auth')
@Controller(`${API_PREFIX}/auth/tokens`)
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokenService) {}

  @Post()
  @RequirePermissions()
  @NotWithApiToken()
  @ApiOperation({
    summary:
      'Create an API token (the secret is in this answer only); audited as token_created. Not with an API token (403)',
  })
  @ApiCreatedResponse({ type: CreatedApiTokenResponse })
  @ApiBadRequestResponse({ description: 'Missing name, expires_at not in the future, a permission you do not hold' })
  async create(@CurrentUser() caller: AuthUser, @Body() dto: CreateApiTokenDto): Promise<CreatedApiTokenResponse> {
    const { row, token } = await this.tokens.create(caller, {
      name: dto.name,
      expiresAt: dto.expires_at === undefined ? undefined : new Date(dto.expires_at),
      permissions: dto.permissions,
    });
    const { last_used_time: _unused, ...shown } = toResponse(row);
    return { ...shown, token };
  }

  @Get()
  @RequirePermissions()
  @ApiOperation({ summary: 'My API tokens that are not revoked (never their secret), newest first' })
  @ApiOkResponse({ type: ApiTokenListResponse })
  async list(@CurrentUser() caller: AuthUser): Promise<ApiTokenListResponse> {
    const rows = await this.tokens.list(caller);
    return { tokens: rows.map(toResponse), total: rows.length };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermissions()
  @ApiOperation({ summary: 'Revoke one of my API tokens (it stops working at once); audited as token_revoked' })
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such token of yours (another user’s token is not found either)' })
  async revoke(@CurrentUser() caller: AuthUser, @Param('id') id: string): Promise<void> {
    await this.tokens.revoke(caller, id);
  }
}
