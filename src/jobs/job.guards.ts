import {
  type CanActivate,
  createParamDecorator,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
} from '@nestjs/common';
import { type AuthUser, hasPermission } from '../access/auth-user.js';
import type { JobWithOwner } from '../database/repositories/jobs.repository.js';
import { JobWriter } from './job-writer.js';
import { JobsService } from './jobs.service.js';

/** A request after the job guards: `job` is the `:job_id` row they loaded and checked, read once. */
interface JobRequest {
  user: AuthUser;
  params: Record<string, string | undefined>;
  body?: unknown;
  job?: JobWithOwner;
}

const requestOf = (context: ExecutionContext): JobRequest => context.switchToHttp().getRequest<JobRequest>();

/** 403 before anything else when the body names a job class that needs a permission the caller lacks (code_execute). */
@Injectable()
export class JobClassInBodyGuard implements CanActivate {
  constructor(private readonly writer: JobWriter) {}

  canActivate(context: ExecutionContext): boolean {
    const request = requestOf(context);
    const jobClass = (request.body as { job_class_string?: unknown } | undefined)?.job_class_string;
    if (typeof jobClass === 'string') this.writer.assertMayUseClass(request.user, jobClass);
    return true;
  }
}

/** 403 before anything else when an import holds a job of a class that needs a permission the caller lacks. */
@Injectable()
export class JobClassesInImportGuard implements CanActivate {
  constructor(private readonly writer: JobWriter) {}

  canActivate(context: ExecutionContext): boolean {
    const request = requestOf(context);
    const items = (request.body as { jobs?: unknown } | undefined)?.jobs;
    if (!Array.isArray(items)) return true;
    for (const item of items as unknown[]) {
      const jobClass = (item as { job_class_string?: unknown } | null)?.job_class_string;
      if (typeof jobClass === 'string') this.writer.assertMayUseClass(request.user, jobClass);
    }
    return true;
  }
}

/** `:job_id` must be a job the caller may act on: 404 when they cannot see it, 403 when they may only look. */
@Injectable()
export class JobActionGuard implements CanActivate {
  constructor(private readonly jobs: JobsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = requestOf(context);
    request.job = await this.jobs.getForAction(request.user, request.params.job_id ?? '');
    return true;
  }
}

/**
 * Changing a job whose class needs a permission (code_execute) needs it too: 403 before validation.
 * Runs after {@link JobActionGuard}, whose row it reads (it loads the row itself when used alone).
 */
@Injectable()
export class JobClassOfJobGuard implements CanActivate {
  constructor(
    private readonly jobs: JobsService,
    private readonly writer: JobWriter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = requestOf(context);
    request.job ??= await this.jobs.getForAction(request.user, request.params.job_id ?? '');
    this.writer.assertMayUseClass(request.user, request.job.jobClassString);
    return true;
  }
}

/** `:job_id` must be a job the caller may see (read routes): 404 otherwise. */
@Injectable()
export class JobVisibleGuard implements CanActivate {
  constructor(private readonly jobs: JobsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = requestOf(context);
    request.job = await this.jobs.get(request.user, request.params.job_id ?? '');
    return true;
  }
}

/** `owner_id` in the query needs view_all (or admin): 403 before the query is validated. */
@Injectable()
export class OwnerFilterGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ user: AuthUser; query?: Record<string, unknown> }>();
    if (request.query?.owner_id !== undefined && !hasPermission(request.user, 'view_all')) {
      throw new ForbiddenException('Filtering by owner_id needs view_all');
    }
    return true;
  }
}

/** The `:job_id` row a job guard loaded and checked (the handler never reads it again). */
export const GuardedJob = createParamDecorator((_data: unknown, context: ExecutionContext): JobWithOwner => {
  const job = requestOf(context).job;
  if (!job) throw new Error('GuardedJob() needs JobActionGuard or JobVisibleGuard on the route');
  return job;
});
