import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse, ApiExtension } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from '../access/auth-user.js';
import type { Permission } from '../access/permissions.js';
import { BEARER_AUTH } from '../http/swagger.js';

export const IS_PUBLIC = 'cronwarden:public';
export const REQUIRED_PERMISSIONS = 'cronwarden:permissions';
export const ACCEPTS_METRICS_TOKEN = 'cronwarden:metrics-token';
export const OPTIONAL_AUTH = 'cronwarden:optional-auth';
export const NOT_WITH_API_TOKEN = 'cronwarden:not-with-api-token';

export interface PermissionRequirement {
  /** `all`: every listed permission; `any`: at least one (an empty `all` list: any signed-in user); `admin`: the admin role. */
  mode: 'all' | 'any' | 'admin';
  permissions: readonly Permission[];
}

/** The route needs no token (login, health, docs). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/**
 * A public route that tells an admin (or a scraper presenting METRICS_TOKEN) more: a bearer token is
 * checked when one is sent, never required, and a bad one only means "anonymous" (`GET /health`).
 * The handler reads {@link isPrivilegedCaller}.
 */
export const PublicWithOptionalAuth = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), SetMetadata(OPTIONAL_AUTH, true));

/** What the guard leaves on a request it authenticated: a user, or the METRICS_TOKEN mark. */
export interface AuthenticatedRequest {
  user?: AuthUser;
  metricsScraper?: boolean;
}

/** An admin's access token, or METRICS_TOKEN. */
export function isPrivilegedCaller(request: AuthenticatedRequest): boolean {
  return request.metricsScraper === true || request.user?.isAdmin === true;
}

function authenticated(requirement: PermissionRequirement): MethodDecorator & ClassDecorator {
  const wording =
    requirement.mode === 'admin'
      ? 'the admin role'
      : requirement.permissions.length === 0
        ? 'any signed-in user'
        : requirement.permissions.join(requirement.mode === 'all' ? ' and ' : ' or ');
  return applyDecorators(
    SetMetadata(REQUIRED_PERMISSIONS, requirement),
    ApiBearerAuth(BEARER_AUTH),
    ApiExtension('x-required-permissions', { mode: requirement.mode, permissions: requirement.permissions }),
    ApiUnauthorizedResponse({
      description: 'Missing, invalid, expired or revoked access token (one body for all; WWW-Authenticate says why)',
      headers: {
        'WWW-Authenticate': {
          description:
            '`Bearer` when no token was sent, else `Bearer error="invalid_token", error_description="<why>"` with why: expired, revoked, malformed, bad signature, unknown token (an API token that does not exist)',
          schema: { type: 'string' },
        },
      },
    }),
    ApiForbiddenResponse({ description: `Requires: ${wording}` }),
  );
}

/**
 * Declares who may call a route: the permission metadata the global guard enforces (every listed
 * permission; none listed means any signed-in user) and the matching Swagger documentation.
 * Every non-public route must carry this or {@link RequireAnyPermission}: the guard denies routes that don't.
 */
export const RequirePermissions = (...permissions: Permission[]): MethodDecorator & ClassDecorator =>
  authenticated({ mode: 'all', permissions });

/** Like {@link RequirePermissions}, satisfied by any one of the permissions. */
export const RequireAnyPermission = (...permissions: Permission[]): MethodDecorator & ClassDecorator =>
  authenticated({ mode: 'any', permissions });

/** Only admins (instance-wide information). */
export const AdminOnly = (): MethodDecorator & ClassDecorator => authenticated({ mode: 'admin', permissions: [] });

/** Admins, or a scraper presenting METRICS_TOKEN as its bearer token (`GET /metrics`). */
export const AdminOrMetricsToken = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(ACCEPTS_METRICS_TOKEN, true), AdminOnly());

/** Refused (403) to a request made with an API token: only a signed-in person may do this (mint API tokens). */
export const NotWithApiToken = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(NOT_WITH_API_TOKEN, true), ApiExtension('x-not-with-api-token', true));

/** The signed-in caller of this request. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
  if (!request.user) throw new Error('@CurrentUser() on a route without authentication');
  return request.user;
});
