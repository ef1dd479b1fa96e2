import { type ExecutionContext, HttpException, Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Observable } from 'rxjs';
import type { AppConfig } from '../config/app-config.js';
import { ACCEPTS_METRICS_TOKEN, IS_PUBLIC } from './decorators.js';
import { INVALID_TOKEN_MESSAGE } from './auth.errors.js';
import { isMetricsToken } from './metrics-token.js';

/** Set on a request authenticated by METRICS_TOKEN rather than by a user's access token. */
export interface MetricsScrapeRequest {
  headers: { authorization?: string };
  metricsScraper?: boolean;
}

/** Global: every route needs a valid bearer token unless marked `@Public()`. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: ConfigService<AppConfig, true>,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext): boolean | Promise<boolean> | Observable<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    if (this.reflector.getAllAndOverride<boolean>(ACCEPTS_METRICS_TOKEN, [context.getHandler(), context.getClass()])) {
      const request = context.switchToHttp().getRequest<MetricsScrapeRequest>();
      if (isMetricsToken(request.headers.authorization, this.config.get('metrics.token', { infer: true }))) {
        request.metricsScraper = true;
        return true;
      }
    }
    return super.canActivate(context);
  }

  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error instanceof HttpException && error.getStatus() !== 401) throw error;
    if (error || !user) throw new UnauthorizedException(INVALID_TOKEN_MESSAGE);
    return user;
  }
}
