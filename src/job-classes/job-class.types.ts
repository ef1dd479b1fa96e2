import type { LoggerService } from '@nestjs/common';
import type { Permission } from '../access/permissions.js';

/** The JSON type an argument must have. `integer` is a whole number; `any` accepts everything. */
export type JobArgumentType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'any';

/** One positional argument of a job class (`pub_args[i]`). */
export interface JobArgumentSpec {
  type: JobArgumentType;
  /** Starts with the argument's name (`sleep_seconds (optional, default 0): ...`): messages quote that first word. */
  description: string;
  /** May be left out (only trailing arguments can be optional). */
  optional?: boolean;
  /** The last argument may repeat: any number of further values of this type (ShellJob's args). */
  variadic?: boolean;
}

/** What a job class declares about itself (the catalogue entry, `GET /api/v1/job-classes`). */
export interface JobClassMeta {
  /** The name jobs refer to, e.g. `SampleJob`. */
  jobClassString: string;
  /** Human title, e.g. `Sample job`. */
  name: string;
  notes: string;
  arguments: JobArgumentSpec[];
  exampleArguments: unknown[];
  /** Extra permission needed to create or modify a job of this class (`code_execute`), if any. */
  requiresPermission?: Permission;
}

/** What a running execution gives its job class. */
export interface JobRunContext {
  executionId: string;
  jobId: string | null;
  /** The job's owner (null for a run without one): ScriptJob only runs scripts this user may use. */
  ownerId: string | null;
  /** Aborted on timeout or stop: the class must give up promptly (kill its process group, cancel its request). */
  signal: AbortSignal;
  logger: LoggerService;
  /** Bytes of stdout/stderr or of a response body a class keeps (the rest is cut, saying so). */
  outputMaxBytes: number;
  /** Live output: a class running a program hands its stdout/stderr chunks here as they are read. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/** A job class: a Nest provider marked with `@JobClass(meta)`. */
export interface JobClassHandler {
  /** Runs once; the resolved value (JSON-serialisable) becomes the execution's `result`. */
  run(args: readonly unknown[], context: JobRunContext): Promise<unknown>;
  /**
   * Checked once at start: null when the class can work here, else why not (an optional dependency
   * is missing); such a class is left out of the catalogue with a warning.
   */
  checkAvailable?(): Promise<string | null> | string | null;
  /**
   * Rules of this class beyond the declared types (a URL's scheme, a number ≥ 0), checked after them
   * when a job is created or changed: null when the arguments are fine, else a message naming the field.
   */
  checkArguments?(args: readonly unknown[]): string | null;
}

/** A failure that still has a result to record (a non-zero exit code with its output, an HTTP status ≥ 400 with its body). */
export class JobFailedError extends Error {
  constructor(
    message: string,
    readonly result: unknown,
  ) {
    super(message);
    this.name = 'JobFailedError';
  }
}
