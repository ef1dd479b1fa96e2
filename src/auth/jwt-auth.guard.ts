import { type ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { isObservable, lastValueFrom, type Observable } from 'rxjs';
import type { AppConfig } from '../config/app-config.js';
import { ACCEPTS_METRICS_TOKEN, IS_PUBLIC, OPTIONAL_AUTH } from './decorators.js';
import { InvalidTokenException, rejectionOf } from './auth.errors.js';
import { isMetricsToken } from './metrics-token.js';
import { ApiTokenService, isApiToken } from './api-token.service.js';
import type { AuthUser } from '../access/auth-user.js';

/** Set on a request authenticated by METRICS_TOKEN rather than by a user's access token. */
export interface MetricsScrapeRequest {
  headers: { authorization?: string };
  metricsScraper?: boolean;
  user?: AuthUser;
}

/** The API token (`cw_...`) of a `Bearer` authorization header, if that is what was sent. */
function apiTokenOf(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match && isApiToken(match[1]) ? match[1] : undefined;
}

/** Global: every route needs a valid bearer token unless marked `@Public()`. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly apiTokens: ApiTokenService,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> | Observable<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      return this.reflector.getAllAndOverride<boolean>(OPTIONAL_AUTH, targets)
        ? this.authenticateIfSent(context)
        : true;
    }
    if (this.reflector.getAllAndOverride<boolean>(ACCEPTS_METRICS_TOKEN, targets) && this.isMetricsScrape(context)) {
      return true;
    }
    const apiToken = apiTokenOf(context.switchToHttp().getRequest<MetricsScrapeRequest>().headers.authorization);
    if (apiToken !== undefined) return this.authenticateApiToken(context, apiToken);
    return super.canActivate(context);
  }

  /** An API token instead of an access token: one query by its hash (see ApiTokenService). */
  private async authenticateApiToken(context: ExecutionContext, token: string): Promise<boolean> {
    const request = context.switchToHttp().getRequest<MetricsScrapeRequest>();
    request.user = await this.apiTokens.authenticate(token);
    return true;
  }

  private isMetricsScrape(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<MetricsScrapeRequest>();
    if (!isMetricsToken(request.headers.authorization, this.config.get('metrics.token', { infer: true }))) return false;
    request.metricsScraper = true;
    return true;
  }

  /** A public route with optional authentication: a token sent is checked (METRICS_TOKEN too); a bad one is ignored. */
  private async authenticateIfSent(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<MetricsScrapeRequest>();
    if (!request.headers.authorization || this.isMetricsScrape(context)) return true;
    try {
      const apiToken = apiTokenOf(request.headers.authorization);
      if (apiToken !== undefined) return await this.authenticateApiToken(context, apiToken);
      const result = super.canActivate(context);
      await (isObservable(result) ? lastValueFrom(result) : result);
    } catch {
      // an invalid or revoked token, or the database away: answer as to anyone
    }
    return true;
  }

  /** Every refusal is the same 401 body; `WWW-Authenticate` says why (see InvalidTokenException). */
  override handleRequest<TUser>(error: unknown, user: TUser | false, info?: unknown): TUser {
    if (error instanceof InvalidTokenException) throw error;
    if (error instanceof HttpException && error.getStatus() !== 401) throw error;
    if (error || !user) throw new InvalidTokenException(error ? 'malformed' : rejectionOf(info));
    return user;
  }
}
