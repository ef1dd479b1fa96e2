import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { FastifyReply } from 'fastify';
import type { AuthUser } from '../access/auth-user.js';
import { ADMIN_ROLE, isPermission, type Permission } from '../access/permissions.js';
import { TooManyRequestsException } from '../common/too-many-requests.exception.js';
import type { AppConfig } from '../config/app-config.js';
import { ExecutionsRepository } from '../database/repositories/executions.repository.js';
import { type StreamRights, UsersRepository } from '../database/repositories/users.repository.js';
import { type ExecutionResponse, toExecutionResponse } from '../executions/dto/execution.response.js';
import { JobSync } from '../scheduler/job-sync.js';
import { OWNER_RIGHTS_CHANNEL } from '../scheduler/owner-rights.channel.js';
import { type ChangeNotice, EVENTS_CHANNEL, mayReceive, parseNotice, seesOwner, type Viewer } from './change-notice.js';
import { SseStream } from './sse-stream.js';

/** What a verified access token said: enough to re-check it while the stream is open. */
export interface StreamClaims {
  sub: string;
  jti: string;
  ver: number;
  exp: number;
}

/** `events`: GET /api/v1/events; `output`: the live output of one execution. */
export type StreamKind = 'events' | 'output';

export interface OpenStream {
  readonly key: number;
  readonly kind: StreamKind;
  readonly sse: SseStream;
  readonly claims: StreamClaims;
  viewer: Viewer;
  /** An events stream gets live events once what it missed was replayed (in order, without duplicates). */
  ready: boolean;
  /** An output stream: the owner of the execution it shows (re-checked with the viewer's rights). */
  readonly watchedOwner?: string | null;
}

/** Retry-After of a refused stream: a hint, streams end when their clients leave. */
const STREAM_RETRY_AFTER_SECONDS = 10;

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

/**
 * The live event stream of this instance. The database triggers NOTIFY every change of a job or of
 * an execution's state, on any instance, as it commits; this hears them on JobSync's listener
 * connection, in commit order, numbers being the `event_ids` sequence (the same on every instance),
 * keeps the last EVENTS_BUFFER_SIZE for resuming clients, loads the executions concerned in one query
 * per batch, and writes each event to the streams whose user may see it (the lists' scope). Streams
 * are limited per user and per instance; their users' rights are re-read every EVENTS_RECHECK_SECONDS
 * and at once when a user's rights change (a revoked token, a disabled user, a lost permission end
 * the stream).
 */
@Injectable()
export class EventHub implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(EventHub.name);
  private readonly streams = new Map<number, OpenStream>();
  private readonly perUser = new Map<string, number>();
  private readonly watchers = new Map<string, Set<(notice: ChangeNotice) => void>>();
  private nextKey = 1;
  /** Heard notices, oldest first, in commit order; cleared when the listener missed some. */
  private buffer: ChangeNotice[] = [];
  private pending: ChangeNotice[] = [];
  private deliveryScheduled = false;
  /** Deliveries and replays, one after the other, so every stream sees events in order. */
  private chain: Promise<void> = Promise.resolve();
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private rechecking = false;
  private recheckAgain = false;

  constructor(
    private readonly executions: ExecutionsRepository,
    private readonly users: UsersRepository,
    private readonly config: ConfigService<AppConfig, true>,
    jobSync: JobSync,
  ) {
    jobSync.subscribe(EVENTS_CHANNEL, (payload) => this.heard(payload));
    jobSync.subscribe(OWNER_RIGHTS_CHANNEL, () => void this.recheck());
    jobSync.onListenerResumed(() => this.missedSome());
  }

  private get settings(): AppConfig['events'] {
    return this.config.get('events', { infer: true });
  }

  get openStreams(): number {
    return this.streams.size;
  }

  onApplicationBootstrap(): void {
    this.heartbeatTimer = setInterval(() => {
      for (const stream of this.streams.values()) stream.sse.comment('ping');
    }, this.settings.heartbeatSeconds * 1000);
    this.heartbeatTimer.unref();
    this.recheckTimer = setInterval(() => void this.recheck(), this.settings.recheckSeconds * 1000);
    this.recheckTimer.unref();
  }

  /** Ends every stream before the HTTP server closes (its connections would keep it open). */
  onModuleDestroy(): void {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.recheckTimer);
    for (const stream of [...this.streams.values()]) stream.sse.close();
  }

  /**
   * Takes over `reply` as an event stream for `user`, or refuses: 503 when this instance holds
   * EVENTS_MAX_STREAMS streams, 429 when the user holds EVENTS_MAX_STREAMS_PER_USER here.
   */
  open(
    kind: StreamKind,
    user: AuthUser,
    claims: StreamClaims,
    viewer: Viewer,
    reply: FastifyReply,
    watchedOwner?: string | null,
  ): OpenStream {
    const { maxStreams, maxStreamsPerUser, maxUnsentBytes } = this.settings;
    if (this.streams.size >= maxStreams) {
      throw new ServiceUnavailableException(
        `This instance already holds its maximum of ${maxStreams} event streams (EVENTS_MAX_STREAMS); try again later`,
      );
    }
    const held = this.perUser.get(user.id) ?? 0;
    if (held >= maxStreamsPerUser) {
      throw new TooManyRequestsException(
        `You already have ${held} event streams open: the limit is ${maxStreamsPerUser} (EVENTS_MAX_STREAMS_PER_USER); close one first`,
        STREAM_RETRY_AFTER_SECONDS,
      );
    }
    reply.hijack();
    const headers: Record<string, string | number | string[]> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) headers[name] = value;
    reply.raw.writeHead(200, { ...headers, ...SSE_HEADERS });
    reply.raw.flushHeaders();
    reply.raw.socket?.setNoDelay(true);
    const sse = new SseStream(reply.raw, maxUnsentBytes, (caughtUp) =>
      kind === 'events'
        ? caughtUp.send('resync', {}, this.lastId())
        : caughtUp.send('output', {
            stream: 'stderr',
            data: '\n[live output: some was skipped, the client read too slowly]\n',
          }),
    );
    const stream: OpenStream = { key: this.nextKey++, kind, sse, claims, viewer, ready: false, watchedOwner };
    this.streams.set(stream.key, stream);
    this.perUser.set(user.id, held + 1);
    sse.onClose(() => {
      this.streams.delete(stream.key);
      const left = (this.perUser.get(user.id) ?? 1) - 1;
      if (left > 0) this.perUser.set(user.id, left);
      else this.perUser.delete(user.id);
    });
    // A token that expires while the stream is open ends it then.
    const expiresInMs = claims.exp * 1000 - Date.now();
    const expiry = setTimeout(() => sse.close(), Math.max(0, Math.min(expiresInMs, 2 ** 31 - 1)));
    expiry.unref();
    sse.onClose(() => clearTimeout(expiry));
    return stream;
  }

  /**
   * Starts sending events to an `events` stream: first what it missed since `lastEventId` when that is
   * still in this instance's buffer (else a `resync` event), in order with whatever arrives meanwhile.
   */
  follow(stream: OpenStream, lastEventId: string | undefined): void {
    this.chain = this.chain
      .then(() => this.replay(stream, lastEventId))
      .catch((error: Error) => {
        this.logger.warn(`Replaying missed events failed: ${error.message}`);
        stream.sse.send('resync', {}, this.lastId());
      })
      .finally(() => {
        stream.ready = true;
      });
  }

  /** Calls `listener` with every notice about execution `executionId` (unscoped: the caller checked). */
  watchExecution(executionId: string, listener: (notice: ChangeNotice) => void): () => void {
    const set = this.watchers.get(executionId) ?? new Set();
    set.add(listener);
    this.watchers.set(executionId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.watchers.delete(executionId);
    };
  }

  /** Executions as `GET /executions/:id` shows them, in one query, by id. */
  async loadExecutions(ids: readonly string[]): Promise<Map<string, ExecutionResponse>> {
    if (ids.length === 0) return new Map();
    const rows = await this.executions.findByIdsAcrossOwners(ids);
    return new Map(rows.map((row) => [row.id, toExecutionResponse(row)]));
  }

  private lastId(): string | undefined {
    return this.buffer.at(-1)?.id;
  }

  private heard(payload: string): void {
    const notice = parseNotice(payload);
    if (!notice) return;
    for (const listener of this.watchers.get(notice.kind === 'execution' ? notice.executionId : '') ?? []) {
      listener(notice);
    }
    this.pending.push(notice);
    if (this.deliveryScheduled) return;
    this.deliveryScheduled = true;
    // Notices read from the socket together are delivered together: one query for their executions.
    setImmediate(() => {
      this.deliveryScheduled = false;
      const batch = this.pending.splice(0);
      this.chain = this.chain
        .then(() => this.deliver(batch))
        .catch((error: Error) => {
          this.logger.warn(`Delivering ${batch.length} events failed: ${error.message}; streams resync`);
          this.missedSome();
        });
    });
  }

  private remember(batch: readonly ChangeNotice[]): void {
    const size = this.settings.bufferSize;
    this.buffer.push(...batch);
    if (this.buffer.length > size) this.buffer.splice(0, this.buffer.length - size);
  }

  private async deliver(batch: ChangeNotice[]): Promise<void> {
    this.remember(batch);
    const targets = [...this.streams.values()].filter(
      (stream) => stream.kind === 'events' && stream.ready && !stream.sse.isClosed,
    );
    if (targets.length === 0) return;
    const wanted = batch.filter(
      (notice) => notice.kind === 'execution' && targets.some((stream) => mayReceive(stream.viewer, notice)),
    );
    const executions = await this.loadExecutions(
      wanted.map((notice) => (notice.kind === 'execution' ? notice.executionId : '')),
    );
    for (const stream of targets) this.sendAll(stream, batch, executions);
  }

  private sendAll(
    stream: OpenStream,
    notices: readonly ChangeNotice[],
    executions: Map<string, ExecutionResponse>,
  ): void {
    for (const notice of notices) {
      if (stream.sse.isClosed) return;
      if (!mayReceive(stream.viewer, notice)) continue;
      if (notice.kind === 'job') {
        stream.sse.send('job', { job_id: notice.jobId, change: notice.change }, notice.id);
      } else {
        const execution = executions.get(notice.executionId);
        // Gone already (retention): nothing to show.
        if (execution) stream.sse.send('execution', execution, notice.id);
      }
    }
  }

  private async replay(stream: OpenStream, lastEventId: string | undefined): Promise<void> {
    if (lastEventId === undefined || stream.sse.isClosed) return;
    const index = this.buffer.findLastIndex((notice) => notice.id === lastEventId);
    if (index < 0) {
      stream.sse.send('resync', {}, this.lastId());
      return;
    }
    const missed = this.buffer.slice(index + 1).filter((notice) => mayReceive(stream.viewer, notice));
    const executions = await this.loadExecutions(
      missed.flatMap((notice) => (notice.kind === 'execution' ? [notice.executionId] : [])),
    );
    this.sendAll(stream, missed, executions);
  }

  /** The listener was away: what was notified meanwhile is lost, so every stream resyncs. */
  private missedSome(): void {
    this.buffer = [];
    for (const stream of this.streams.values()) {
      if (stream.kind === 'events') stream.sse.send('resync', {});
    }
  }

  /**
   * Re-reads the rights of every open stream's user and its token, in one query: a revoked or expired
   * token, a disabled or deleted user, or a lost permission (execution_view, job_view, view_all) ends
   * the stream, so its client starts over with what it may still see; a permission gained applies at once.
   */
  async recheck(): Promise<void> {
    if (this.rechecking) {
      this.recheckAgain = true;
      return;
    }
    this.rechecking = true;
    try {
      do {
        this.recheckAgain = false;
        await this.recheckOnce();
      } while (this.recheckAgain);
    } catch (error) {
      this.logger.warn(`Re-checking the rights of open streams failed: ${(error as Error).message}`);
    } finally {
      this.rechecking = false;
    }
  }

  private async recheckOnce(): Promise<void> {
    const streams = [...this.streams.values()];
    if (streams.length === 0) return;
    const rows = await this.users.rightsOfTokens(streams.map((stream) => ({ key: stream.key, ...stream.claims })));
    const now = Date.now();
    for (const row of rows) {
      const stream = this.streams.get(row.key);
      if (!stream) continue;
      const viewer = row.valid && stream.claims.exp * 1000 > now ? viewerFromRights(stream.claims.sub, row) : null;
      const keeps =
        viewer !== null &&
        (stream.kind === 'events'
          ? !narrowed(stream.viewer, viewer)
          : viewer.executions && seesOwner(viewer, stream.watchedOwner ?? null));
      if (!viewer || !keeps) {
        stream.sse.close();
        continue;
      }
      stream.viewer = viewer;
    }
  }
}

/** Whether `now` may see less than `before` did: the client must start over (it reconnects, refetches). */
function narrowed(before: Viewer, now: Viewer): boolean {
  return (before.executions && !now.executions) || (before.jobs && !now.jobs) || (before.seesAll && !now.seesAll);
}

function viewerFromRights(userId: string, row: StreamRights): Viewer {
  const isAdmin = (row.roles ?? []).includes(ADMIN_ROLE);
  const permissions = new Set<Permission>((row.permissions ?? []).filter(isPermission));
  const has = (permission: Permission): boolean => isAdmin || permissions.has(permission);
  return {
    userId,
    seesAll: has('view_all'),
    executions: has('execution_view'),
    jobs: has('job_view'),
  };
}
