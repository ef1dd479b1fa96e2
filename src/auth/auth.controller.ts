import { Body, Controller, Get, HttpCode, Post, Put, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../access/auth-user.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { InvalidTokenException } from './auth.errors.js';
import { AuthService } from './auth.service.js';
import { type IssuedRefreshToken, REFRESH_COOKIE, refreshCookie, refreshTokenOf } from './refresh-token.service.js';

/** Sets the session's refresh-token cookie (Secure when the request came over https). */
function setRefreshCookie(request: FastifyRequest, reply: FastifyReply, refresh: IssuedRefreshToken | null): void {
  const secure = request.protocol === 'https';
  const maxAgeSeconds = refresh ? (refresh.expiresAt.getTime() - Date.now()) / 1000 : 0;
  void reply.header('Set-Cookie', refreshCookie(refresh?.token ?? null, { secure, maxAgeSeconds }));
}
import { CurrentUser, Public, RequirePermissions } from './decorators.js';
import { ChangePasswordDto, LoginDto, LoginResponse, MeResponse } from './dto/auth.dto.js';

@ApiTags('auth')
@Controller(`${API_PREFIX}/auth`)
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary: `Log in: returns a bearer access token (no authentication), and sets the session's refresh-token cookie (${REFRESH_COOKIE}; HttpOnly, SameSite=Strict, path /api/v1/auth/refresh)`,
  })
  @ApiOkResponse({ type: LoginResponse })
  @ApiBadRequestResponse({ description: 'Missing field, password over 72 bytes' })
  @ApiUnauthorizedResponse({ description: 'Unknown user, wrong password or disabled account (one answer for all)' })
  @ApiTooManyRequestsResponse({
    description:
      'Too many failed logins for this username from this client address, or from this address: the password was not checked; try again after Retry-After seconds',
  })
  async login(
    @Body() dto: LoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponse> {
    const { response, refresh } = await this.auth.login(dto, request.ip);
    setRefreshCookie(request, reply, refresh);
    return response;
  }

  @Post('refresh')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'A new access token for the refresh-token cookie, which is rotated; a rotated refresh token used again revokes the session (401), except within REFRESH_REUSE_GRACE_SECONDS of its rotation (two tabs, a reload during a refresh), when it answers the same successor cookie again. The session lasts 12 hours from sign-in',
  })
  @ApiOkResponse({ type: LoginResponse })
  @ApiUnauthorizedResponse({
    description:
      'No refresh cookie, or an unknown, expired, revoked or reused one; WWW-Authenticate says why (as for access tokens)',
  })
  async refresh(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LoginResponse> {
    const token = refreshTokenOf(request.headers.cookie);
    if (!token) throw new InvalidTokenException('missing');
    try {
      const { response, refresh } = await this.auth.refresh(token);
      setRefreshCookie(request, reply, refresh);
      return response;
    } catch (error) {
      if (error instanceof InvalidTokenException) setRefreshCookie(request, reply, null);
      throw error;
    }
  }

  @Post('logout')
  @HttpCode(204)
  @RequirePermissions()
  @ApiOperation({ summary: 'Revoke this access token and its session’s refresh tokens (an API token: revoke it)' })
  @ApiNoContentResponse()
  async logout(
    @CurrentUser() user: AuthUser,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.auth.logout(user);
    if (!user.apiTokenId) setRefreshCookie(request, reply, null);
  }

  @Get('me')
  @RequirePermissions()
  @ApiOperation({ summary: 'Who am I: roles and effective permissions' })
  @ApiOkResponse({ type: MeResponse })
  me(@CurrentUser() user: AuthUser): MeResponse {
    return this.auth.me(user);
  }

  @Put('me/password')
  @HttpCode(204)
  @RequirePermissions()
  @ApiOperation({ summary: 'Change my password; every token issued before stops working' })
  @ApiNoContentResponse()
  @ApiBadRequestResponse({ description: 'Wrong current_password, or new_password refused by the policy' })
  @ApiTooManyRequestsResponse({
    description:
      'Too many wrong passwords for this user from this client address, or from this address: current_password was not checked; try again after Retry-After seconds',
  })
  async changePassword(
    @CurrentUser() user: AuthUser,
    @Body() dto: ChangePasswordDto,
    @Req() request: FastifyRequest,
  ): Promise<void> {
    await this.auth.changePassword(user, dto, request.ip);
  }
}
