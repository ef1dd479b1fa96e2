import type { RenewOutcome } from '../api/session';
import { LiveConnection, type LiveStatus } from './connection';
import { readEventStream, reconnectDelay, StreamRefused } from './sse';

/** A streamed 200 answer whose chunks the test writes, and which it can end. */
function streamed() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }),
    write: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
}

interface Call {
  url: string;
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** A fetch that answers from a queue and records what it was asked. */
function fakeFetch(answers: (() => Response)[]) {
  const calls: Call[] = [];
  const fetch = (url: string, init: RequestInit): Promise<Response> => {
    const signal = init.signal as AbortSignal;
    calls.push({ url, headers: init.headers as Record<string, string>, signal });
    const next = answers.shift();
    if (next) return Promise.resolve(next());
    return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
  };
  return { calls, fetch: fetch as unknown as typeof globalThis.fetch };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the event-stream reader', () => {
  it('sends the token and Last-Event-ID in headers and parses events split across chunks', async () => {
    const stream = streamed();
    const { calls, fetch } = fakeFetch([() => stream.response]);
    const events: { event?: string; id?: string; data: string }[] = [];
    let activity = 0;
    const done = readEventStream({
      url: '/api/v1/events',
      token: 'secret-token',
      lastEventId: '41',
      signal: new AbortController().signal,
      fetch,
      onEvent: (message) => events.push({ event: message.event, id: message.id, data: message.data }),
      onActivity: () => activity++,
    });
    await tick();
    stream.write(': ping\n\n');
    stream.write('id: 42\nevent: job\ndata: {"job_id":"j1",');
    stream.write('"change":"added"}\n\n');
    stream.end();
    await done;
    expect(calls[0].url).toBe('/api/v1/events');
    expect(calls[0].url).not.toContain('secret-token');
    expect(calls[0].headers).toEqual({
      Accept: 'text/event-stream',
      Authorization: 'Bearer secret-token',
      'Last-Event-ID': '41',
    });
    expect(events).toEqual([{ event: 'job', id: '42', data: '{"job_id":"j1","change":"added"}' }]);
    expect(activity).toBeGreaterThanOrEqual(3);
  });

  it('rejects with the status and body of a refusal', async () => {
    const { fetch } = fakeFetch([() => new Response('{"message":"too many streams"}', { status: 429 })]);
    const refused = readEventStream({
      url: '/api/v1/events',
      token: 't',
      signal: new AbortController().signal,
      fetch,
      onEvent: () => undefined,
    });
    await expect(refused).rejects.toBeInstanceOf(StreamRefused);
    await expect(refused).rejects.toMatchObject({ status: 429, body: '{"message":"too many streams"}' });
  });

  it('backs off exponentially up to 30 s, longest after a 429', () => {
    const middle = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => reconnectDelay(attempt, undefined, middle))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    expect(reconnectDelay(0, 429, middle)).toBe(30000);
    expect(reconnectDelay(0, undefined, () => 0)).toBe(800);
    expect(reconnectDelay(0, undefined, () => 1)).toBe(1200);
  });
});

describe('the live connection', () => {
  function connect(answers: (() => Response)[], silenceMs = 60_000, renewals: RenewOutcome[] = ['ended']) {
    const { calls, fetch } = fakeFetch(answers);
    const statuses: LiveStatus[] = [];
    const events: string[] = [];
    const delays: number[] = [];
    let reopened = 0;
    const unauthorized: (string | null)[] = [];
    let token = 'tok';
    const connection = new LiveConnection({
      url: '/api/v1/events',
      token: () => token,
      fetch,
      random: () => 0.5,
      silenceMs,
      onEvent: (message) => events.push(`${message.event}#${message.id}`),
      onStatus: (status) => statuses.push(status),
      onReopen: () => reopened++,
      onUnauthorized: (refused) => {
        unauthorized.push(refused);
        const outcome = renewals.shift() ?? 'ended';
        if (outcome === 'renewed') token = `${token}+`;
        return Promise.resolve(outcome);
      },
      // Reconnect delays are recorded and waited for a moment only.
      setTimeout: (callback, ms) => {
        if (ms !== silenceMs) delays.push(ms);
        return setTimeout(callback, ms === silenceMs ? silenceMs : 1);
      },
    });
    const running = connection.run();
    return { connection, running, calls, statuses, events, delays, unauthorized, reopened: () => reopened };
  }

  it('reconnects with Last-Event-ID after the stream ends, and says it reopened', async () => {
    const first = streamed();
    const second = streamed();
    const live = connect([() => new Response('down', { status: 503 }), () => first.response, () => second.response]);
    await tick();
    await new Promise((resolve) => setTimeout(resolve, 20));
    first.write('id: 5\nevent: resync\ndata: {}\n\n');
    await tick();
    first.end();
    await new Promise((resolve) => setTimeout(resolve, 20));
    second.write('id: 6\nevent: job\ndata: {}\n\n');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(live.calls).toHaveLength(3);
    expect(live.calls[1].headers['Last-Event-ID']).toBeUndefined();
    expect(live.calls[2].headers['Last-Event-ID']).toBe('5');
    expect(live.events).toEqual(['resync#5', 'job#6']);
    // The first open is the start; the second one follows a break.
    expect(live.reopened()).toBe(1);
    expect(live.statuses).toEqual(['connecting', 'reconnecting', 'live', 'reconnecting', 'live']);
    // 1 s after the 503, then 1 s again (a stream that opened resets the count).
    expect(live.delays).toEqual([1000, 1000]);
    live.connection.stop();
    await live.running;
    expect(live.statuses.at(-1)).toBe('stopped');
    expect(live.calls[2].signal.aborted).toBe(true);
  });

  it('stops for good on a 401 when the session has ended', async () => {
    const live = connect([() => new Response('{"message":"Token expired"}', { status: 401 })]);
    await live.running;
    expect(live.unauthorized).toEqual(['tok']);
    expect(live.calls).toHaveLength(1);
    expect(live.statuses).toEqual(['connecting', 'stopped']);
  });

  it('renews a refused token and reconnects at once with the new one', async () => {
    const stream = streamed();
    const live = connect([() => new Response('{}', { status: 401 }), () => stream.response], 60_000, ['renewed']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(live.unauthorized).toEqual(['tok']);
    expect(live.calls.map((call) => call.headers.Authorization)).toEqual(['Bearer tok', 'Bearer tok+']);
    expect(live.delays).toEqual([]);
    expect(live.statuses).toEqual(['connecting', 'live']);
    live.connection.stop();
    await live.running;
  });

  it('waits before renewing again when the renewed token is refused too, or the server could not renew', async () => {
    const stream = streamed();
    const refused = () => new Response('{}', { status: 401 });
    const live = connect([refused, refused, refused, () => stream.response], 60_000, [
      'renewed',
      'renewed',
      'unavailable',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(live.unauthorized).toEqual(['tok', 'tok+', 'tok++']);
    expect(live.calls).toHaveLength(4);
    // at once after the first renewal; after a wait after the second (in a row) and the failed one
    expect(live.delays).toEqual([1000, 2000]);
    expect(live.statuses.at(-1)).toBe('live');
    live.connection.stop();
    await live.running;
  });

  it('waits 30 s after a 429 before trying again', async () => {
    const live = connect([() => new Response('{}', { status: 429 })]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(live.delays[0]).toBe(30000);
    live.connection.stop();
    await live.running;
  });

  it('drops a stream that went silent (no heartbeat) and opens a new one', async () => {
    const silent = streamed();
    const next = streamed();
    const live = connect([() => silent.response, () => next.response], 30);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(live.calls.length).toBeGreaterThanOrEqual(2);
    expect(live.calls[0].signal.aborted).toBe(true);
    live.connection.stop();
    await live.running;
  });
});
