import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TestApp } from './test-app.js';

/** One event of a stream, its data parsed as JSON. */
export interface StreamEvent {
  event: string;
  id: string | undefined;
  data: unknown;
}

/**
 * An open `text/event-stream` response, read with fetch (the token in the Authorization header, as
 * the web UI does), collecting its events and comments until closed.
 */
export class EventStreamClient {
  readonly events: StreamEvent[] = [];
  readonly comments: string[] = [];
  ended = false;
  private readonly controller = new AbortController();
  private done: Promise<void> = Promise.resolve();

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly body: string,
  ) {}

  /** Opens `path` on a listening app; a non-200 answer is returned with its body (nothing to read). */
  static async open(
    baseUrl: string,
    path: string,
    bearer: string,
    headers: Record<string, string> = {},
  ): Promise<EventStreamClient> {
    const controller = new AbortController();
    const res = await fetch(`${baseUrl}${path}`, {
      headers: { Authorization: bearer, Accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    if (res.status !== 200 || !res.body) {
      return new EventStreamClient(res.status, res.headers, await res.text());
    }
    const client = new EventStreamClient(res.status, res.headers, '');
    client.controller.signal.addEventListener('abort', () => controller.abort());
    const parser = createParser({
      onEvent: (message: EventSourceMessage) =>
        client.events.push({ event: message.event ?? 'message', id: message.id, data: JSON.parse(message.data) }),
      onComment: (comment) => client.comments.push(comment.trim()),
    });
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    client.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // aborted by close()
      } finally {
        client.ended = true;
      }
    })();
    return client;
  }

  /** Events named `name` so far. */
  named<T = unknown>(name: string): T[] {
    return this.events.filter((event) => event.event === name).map((event) => event.data as T);
  }

  /** Waits until `predicate` holds for an event (returning it), or throws after `timeoutMs`. */
  async waitForEvent(
    what: string,
    predicate: (event: StreamEvent) => boolean,
    timeoutMs = 10_000,
  ): Promise<StreamEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.events)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Waits until the server ended the stream (true) or `timeoutMs` passed (false). */
  async waitForEnd(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    return this.ended;
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}

/** Per listening server: the sockets that never carried a request. */
const unused = new WeakMap<object, Set<Socket>>();

/** Starts `t`'s HTTP server on a free port of 127.0.0.1 (test apps are not listening) and returns its base URL. */
export async function listen(t: TestApp): Promise<string> {
  const server = t.app.getHttpServer();
  const spare = new Set<Socket>();
  unused.set(server, spare);
  server.on('connection', (socket: Socket) => {
    spare.add(socket);
    socket.once('close', () => spare.delete(socket));
  });
  server.on('request', (request: IncomingMessage) => spare.delete(request.socket));
  await t.app.listen(0, '127.0.0.1');
  const address = t.app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('the app is not listening on a TCP port');
  return `http://127.0.0.1:${address.port}`;
}

/**
 * Closes the connections fetch (undici) opened to `t` but never sent a request on: Node's
 * server.close() would wait for their headers timeout (60 s). Streams are left for the app to end.
 */
export function dropUnusedConnections(t: TestApp): void {
  for (const socket of unused.get(t.app.getHttpServer()) ?? []) socket.destroy();
}
