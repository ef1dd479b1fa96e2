import { Body, Controller, Get, HttpCode, Post, Put, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from '../access/auth-user.js';
import { API_PREFIX } from '../http/api-prefix.js';
import { AuthService } from './auth.service.js';
import { CurrentUser, Public, RequirePermissions } from './decorators.js';
import { ChangePasswordDto, LoginDto, LoginResponse, MeResponse } from './dto/auth.dto.js';

@ApiTags('auth')
@Controller(`${API_PREFIX}/auth`)
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Log in: returns a bearer access token (no authentication)' })
  @ApiOkResponse({ type: LoginResponse })
  @ApiBadRequestResponse({ description: 'Missing field, password over 72 bytes' })
  @ApiUnauthorizedResponse({ description: 'Unknown user, wrong password or disabled account (one answer for all)' })
  @ApiTooManyRequestsResponse({
    description:
      'Too many failed logins for this username from this client address, or from this address: the password was not checked; try again after Retry-After seconds',
  })
  login(@Body() dto: LoginDto, @Req() request: FastifyRequest): Promise<LoginResponse> {
    return this.auth.login(dto, request.ip);
  }

  @Post('logout')
  @HttpCode(204)
  @RequirePermissions()
  @ApiOperation({ summary: 'Revoke this access token' })
  @ApiNoContentResponse()
  async logout(@CurrentUser() user: AuthUser): Promise<void> {
    await this.auth.logout(user);
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
