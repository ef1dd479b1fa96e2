import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type { Permission } from '../access/permissions.js';
import type { AppConfig } from '../config/app-config.js';
import { argumentProblem, declarationProblem } from './job-arguments.js';
import { JOB_CLASS_META } from './job-class.decorator.js';
import type { JobClassHandler, JobClassMeta } from './job-class.types.js';

export interface RegisteredJobClass {
  readonly meta: JobClassMeta;
  readonly handler: JobClassHandler;
}

function isHandler(instance: unknown): instance is JobClassHandler {
  return (
    typeof instance === 'object' &&
    instance !== null &&
    typeof (instance as Partial<JobClassHandler>).run === 'function'
  );
}

/**
 * The job classes this instance can run: every provider marked with `@JobClass`, found at start,
 * minus those disabled by `JOB_CLASSES_DISABLED` and those whose `checkAvailable` says no (each
 * left out with a warning, never a crash).
 */
@Injectable()
export class JobClassRegistry implements OnModuleInit {
  private readonly logger = new Logger(JobClassRegistry.name);
  private readonly available = new Map<string, RegisteredJobClass>();
  /** Every declared class, available or not: a disabled ShellJob's jobs still need code_execute. */
  private readonly declared = new Map<string, JobClassMeta>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async onModuleInit(): Promise<void> {
    const disabled = new Set(this.config.get('jobs.disabledClasses', { infer: true }));
    // Classes left out for the same reason (ShellJob and ScriptJob without a sandbox) share one line.
    const leftOut = new Map<string, string[]>();
    for (const found of this.discover()) {
      const name = found.meta.jobClassString;
      this.declared.set(name, found.meta);
      if (disabled.has(name)) {
        this.logger.warn(`Job class ${name} is disabled by JOB_CLASSES_DISABLED`);
        continue;
      }
      const reason = await this.unavailableReason(found.handler);
      if (reason !== null) {
        leftOut.set(reason, [...(leftOut.get(reason) ?? []), name]);
        continue;
      }
      this.available.set(name, found);
    }
    for (const [reason, names] of leftOut) {
      this.logger.warn(
        `Job class${names.length > 1 ? 'es' : ''} ${names.join(' and ')} ${names.length > 1 ? 'are' : 'is'} left out: ${reason}`,
      );
    }
    for (const name of disabled) {
      if (!this.declared.has(name)) this.logger.warn(`JOB_CLASSES_DISABLED names ${name}, which is no job class`);
    }
    this.logger.log(`Job classes: ${this.names().join(', ') || 'none'}`);
  }

  /** The catalogue, sorted by `jobClassString`. */
  list(): JobClassMeta[] {
    return [...this.available.values()]
      .map((entry) => entry.meta)
      .sort((a, b) => (a.jobClassString < b.jobClassString ? -1 : 1));
  }

  get(jobClassString: string): RegisteredJobClass | undefined {
    return this.available.get(jobClassString);
  }

  /** The available `jobClassString`s, sorted. */
  names(): string[] {
    return [...this.available.keys()].sort();
  }

  /** The extra permission a class needs (`code_execute`), also for a declared class that is disabled here. */
  requiredPermissionOf(jobClassString: string): Permission | undefined {
    return this.declared.get(jobClassString)?.requiresPermission;
  }

  /** Every declared class that needs an extra permission, with that permission (for SQL: two parallel arrays). */
  permissionRequirements(): { classes: string[]; permissions: Permission[] } {
    const classes: string[] = [];
    const permissions: Permission[] = [];
    for (const [name, meta] of this.declared) {
      if (!meta.requiresPermission) continue;
      classes.push(name);
      permissions.push(meta.requiresPermission);
    }
    return { classes, permissions };
  }

  /**
   * Null when `pubArgs` suit the class, else a message for a 400 that names the field:
   * the declared count and types first, then the class's own `checkArguments`.
   */
  argumentProblem(meta: JobClassMeta, pubArgs: unknown): string | null {
    const problem = argumentProblem(meta, pubArgs);
    if (problem !== null || !Array.isArray(pubArgs)) return problem;
    return this.available.get(meta.jobClassString)?.handler.checkArguments?.(pubArgs) ?? null;
  }

  private discover(): RegisteredJobClass[] {
    const found = new Map<string, RegisteredJobClass>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (typeof instance !== 'object' || instance === null) continue;
      const meta = this.reflector.get<JobClassMeta | undefined>(JOB_CLASS_META, instance.constructor);
      if (!meta) continue;
      const name = meta.jobClassString;
      const existing = found.get(name);
      // The same instance under a second token (an alias) is the same class.
      if (existing?.handler === instance) continue;
      if (existing) {
        throw new Error(
          `Job class ${name} is declared twice (${existing.handler.constructor.name} and ${instance.constructor.name})`,
        );
      }
      if (!wrapper.isDependencyTreeStatic()) throw new Error(`Job class ${name} must be a singleton provider`);
      if (!isHandler(instance)) throw new Error(`Job class ${name} has no run() method`);
      const problem = declarationProblem(meta);
      if (problem) throw new Error(`Job class ${name} is declared wrongly: ${problem}`);
      found.set(name, { meta, handler: instance });
    }
    return [...found.values()];
  }

  private async unavailableReason(handler: JobClassHandler): Promise<string | null> {
    try {
      return (await handler.checkAvailable?.()) ?? null;
    } catch (error) {
      return `its availability check failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
}
