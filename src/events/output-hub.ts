import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { ExecutionRunner, type LiveOutputSink } from '../scheduler/execution-runner.js';
import { InstanceIdentity } from '../scheduler/instance.js';
import { JobSync } from '../scheduler/job-sync.js';
import { EVENTS_CHANNEL, parseNotice } from './change-notice.js';
import { ChunkDecoder, type OutputChunk, type OutputStreamName, OutputTail, splitForPayload } from './output-tail.js';
import { notifyInOrder } from '../database/channels.js';
import { PgPool } from '../database/pg-pool.js';

/** Live output relayed between instances: `{x: execution, n: instance, s: "o"|"e", d: text, f?: 1 (the last)}`. */
export const OUTPUT_CHANNEL = 'cronwarden_output';
/** Output is relayed in batches this often (a chatty program costs a few NOTIFYs a second, not one per write). */
export const RELAY_EVERY_MS = 200;
/** Relayed per execution per batch at most; past it the rest of that batch is counted, not sent. */
export const RELAY_MAX_BYTES_PER_BATCH = 32 * 1024;
/** Under NOTIFY's 8000-byte limit, with room for the envelope. */
const PAYLOAD_MAX_BYTES = 7800;
/** How long after its execution finished a relayed output waits for its last part before it ends anyway. */
const REMOTE_END_GRACE_MS = 2_000;
const QUIET_END_GRACE_MS = 300;
/** A relayed output nobody watches and nothing was heard of for this long is forgotten. */
const REMOTE_IDLE_MS = 10 * 60_000;
const TERMINAL = new Set(['succeeded', 'failed', 'timeout', 'stopped', 'scheduled error', 'skipped', 'missed']);

export type LiveOutputEvent = { kind: 'output'; chunk: OutputChunk } | { kind: 'end' };
type Listener = (event: LiveOutputEvent) => void;

interface LiveOutput {
  tail: OutputTail;
  listeners: Set<Listener>;
  ended: boolean;
  /** Runs on this instance (else: heard through the relay). */
  local: boolean;
  touched: number;
  decoder?: ChunkDecoder;
  relay: OutputChunk[];
  relayBytes: number;
  skippedBytes: number;
  endTimer?: NodeJS.Timeout;
}

interface RelayMessage {
  x?: unknown;
  n?: unknown;
  s?: unknown;
  d?: unknown;
  f?: unknown;
}

/** What `watch` gives: the tail so far, whether the output already ended, and how to stop. */
export interface OutputWatch {
  tail: OutputChunk[];
  ended: boolean;
  stop(): void;
}

/**
 * The stdout/stderr of running ShellJob and ScriptJob executions, live. The runner hands every chunk
 * here as the sandbox reads it; each running execution keeps a tail of at most OUTPUT_MAX_BYTES for
 * clients that start watching late; watchers on this instance get every chunk at once; other
 * instances get it through NOTIFY on `cronwarden_output`, batched every {@link RELAY_EVERY_MS} ms in
 * payloads under 8000 bytes, at most {@link RELAY_MAX_BYTES_PER_BATCH} per execution and batch (a
 * program flooding its output shows a `[live output: N bytes not relayed]` line elsewhere; its stored
 * output is unaffected). An instance that started after a run began only has what it heard since.
 */
@Injectable()
export class OutputHub implements LiveOutputSink, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutputHub.name);
  private readonly outputs = new Map<string, LiveOutput>();
  private relayTimer: NodeJS.Timeout | undefined;
  private relaying: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: PgPool,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly instance: InstanceIdentity,
    runner: ExecutionRunner,
    jobSync: JobSync,
  ) {
    runner.useLiveOutput(this);
    jobSync.subscribe(OUTPUT_CHANNEL, (payload) => this.heardRelay(payload));
    jobSync.subscribe(EVENTS_CHANNEL, (payload) => this.heardChange(payload));
  }

  private get maxBytes(): number {
    return this.config.get('jobs.outputMaxBytes', { infer: true });
  }

  onApplicationBootstrap(): void {
    this.relayTimer = setInterval(() => {
      this.relaying = this.relaying.then(() => this.relay());
      this.forgetIdle();
    }, RELAY_EVERY_MS);
    this.relayTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.relayTimer);
    for (const output of this.outputs.values()) clearTimeout(output.endTimer);
  }

  /** Runner side: where the output of `executionId`, starting now on this instance, goes. */
  tap(executionId: string): (stream: OutputStreamName, chunk: Buffer) => void {
    const decoder = new ChunkDecoder();
    return (stream, chunk) => {
      // Kept from the first chunk on: a run that writes nothing costs nothing here.
      const output = this.entry(executionId, true);
      output.decoder ??= decoder;
      const text = decoder.decode(stream, chunk);
      if (text) this.append(output, { stream, data: text }, true);
    };
  }

  /** Runner side: the run ended (before its row says so); watchers here get `end`, others the last part. */
  finished(executionId: string): void {
    const output = this.outputs.get(executionId);
    if (!output) {
      // Nothing written: watchers here (if any) end at once; elsewhere the execution's change ends them.
      const quiet = this.outputs.get(executionId);
      if (quiet) this.end(executionId, quiet);
      return;
    }
    if (!output.local) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = output.decoder?.end(stream) ?? '';
      if (rest) this.append(output, { stream, data: rest }, true);
    }
    this.end(executionId, output);
    this.relaying = this.relaying.then(() => this.relay());
  }

  /** Starts watching the output of `executionId`: its tail so far, then every chunk and the end. */
  watch(executionId: string, listener: Listener): OutputWatch {
    const output = this.entry(executionId, false);
    output.listeners.add(listener);
    return {
      tail: output.tail.snapshot(),
      ended: output.ended,
      stop: () => {
        output.listeners.delete(listener);
        if (output.ended && output.listeners.size === 0 && output.relay.length === 0) {
          this.outputs.delete(executionId);
        }
      },
    };
  }

  private entry(executionId: string, local: boolean): LiveOutput {
    let output = this.outputs.get(executionId);
    if (!output) {
      output = {
        tail: new OutputTail(this.maxBytes),
        listeners: new Set(),
        ended: false,
        local,
        touched: Date.now(),
        relay: [],
        relayBytes: 0,
        skippedBytes: 0,
      };
      this.outputs.set(executionId, output);
    } else if (local) {
      output.local = true;
    }
    return output;
  }

  private append(output: LiveOutput, chunk: OutputChunk, relay: boolean): void {
    output.touched = Date.now();
    output.tail.push(chunk);
    for (const listener of output.listeners) listener({ kind: 'output', chunk });
    if (!relay) return;
    const size = Buffer.byteLength(chunk.data);
    if (output.relayBytes + size > RELAY_MAX_BYTES_PER_BATCH) {
      output.skippedBytes += size;
      return;
    }
    const last = output.relay.at(-1);
    if (last && last.stream === chunk.stream) last.data += chunk.data;
    else output.relay.push({ ...chunk });
    output.relayBytes += size;
  }

  private end(executionId: string, output: LiveOutput): void {
    if (output.ended) return;
    output.ended = true;
    clearTimeout(output.endTimer);
    for (const listener of output.listeners) listener({ kind: 'end' });
    if (!output.local && output.listeners.size === 0) this.outputs.delete(executionId);
  }

  /** Sends what the local runs wrote since the last batch, in order, in one statement. */
  private async relay(): Promise<void> {
    const payloads: string[] = [];
    for (const [executionId, output] of this.outputs) {
      if (!output.local) continue;
      if (output.skippedBytes > 0) {
        output.relay.push({ stream: 'stderr', data: `\n[live output: ${output.skippedBytes} bytes not relayed]\n` });
        output.skippedBytes = 0;
      }
      const chunks = output.relay.splice(0);
      output.relayBytes = 0;
      for (const chunk of chunks) {
        const wrap = (piece: string): string =>
          JSON.stringify({ x: executionId, n: this.instance.id, s: chunk.stream === 'stdout' ? 'o' : 'e', d: piece });
        for (const piece of splitForPayload(chunk.data, wrap, PAYLOAD_MAX_BYTES)) payloads.push(wrap(piece));
      }
      if (output.ended) {
        payloads.push(JSON.stringify({ x: executionId, n: this.instance.id, s: 'o', d: '', f: 1 }));
        if (output.listeners.size === 0) this.outputs.delete(executionId);
        else output.local = false;
      }
    }
    if (payloads.length === 0) return;
    await notifyInOrder(this.pool, OUTPUT_CHANNEL, payloads).catch((error: Error) =>
      this.logger.warn(`Relaying live output failed: ${error.message}`),
    );
  }

  private heardRelay(payload: string): void {
    let message: RelayMessage;
    try {
      message = JSON.parse(payload) as RelayMessage;
    } catch {
      return;
    }
    if (typeof message.x !== 'string' || message.n === this.instance.id) return;
    const output = this.entry(message.x, false);
    if (output.local) return;
    if (typeof message.d === 'string' && message.d) {
      this.append(output, { stream: message.s === 'e' ? 'stderr' : 'stdout', data: message.d }, false);
    }
    if (message.f) this.end(message.x, output);
  }

  /** A relayed output whose execution finished ends, at the latest a little after (its last part may be lost). */
  private heardChange(payload: string): void {
    const notice = parseNotice(payload);
    if (notice?.kind !== 'execution' || !TERMINAL.has(notice.state)) return;
    const output = this.outputs.get(notice.executionId);
    if (!output || output.local || output.ended) return;
    clearTimeout(output.endTimer);
    // Whatever was relayed may still be on its way; a run nothing was heard of ends sooner.
    const grace = output.tail.size > 0 ? REMOTE_END_GRACE_MS : QUIET_END_GRACE_MS;
    output.endTimer = setTimeout(() => this.end(notice.executionId, output), grace);
    output.endTimer.unref();
  }

  private forgetIdle(): void {
    const now = Date.now();
    for (const [executionId, output] of this.outputs) {
      if (!output.local && output.listeners.size === 0 && now - output.touched > REMOTE_IDLE_MS) {
        this.outputs.delete(executionId);
      }
    }
  }
}
