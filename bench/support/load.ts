import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string;
  /** Request bodies used in turn (one per connection when there are as many as connections). */
  bodies?: string[];
}

export interface LoadResult {
  connections: number;
  duration_s: number;
  requests: number;
  requests_per_s: number;
  latency_ms: { p50: number; p90: number; p99: number; max: number };
  non_2xx: number;
  errors: number;
}

/** HTTP load from this process (autocannon), summarised. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  let next = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    method: options.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body,
    ...(options.bodies
      ? {
          requests: [
            {
              setupRequest: (request) => ({ ...request, body: options.bodies![next++ % options.bodies!.length] }),
            },
          ],
        }
      : {}),
  });
  return {
    connections: options.connections,
    duration_s: options.durationSeconds,
    requests: result.requests.total,
    requests_per_s: Math.round(result.requests.total / options.durationSeconds),
    latency_ms: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    non_2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export interface BenchRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** JSON text; sent with `content-type: application/json` (no body: no content type). */
  body?: string;
}

export interface BatchResult {
  connections: number;
  requests: number;
  wall_ms: number;
  requests_per_s: number;
  latency_ms: { p50: number; p90: number; p99: number; max: number };
  /** Responses by status code. */
  statuses: Record<string, number>;
  errors: number;
}

/**
 * Each request of `requests` sent once (autocannon with `amount`), `connections` at a time over
 * keep-alive connections: the rate is requests over the wall time from the start to the last answer.
 */
export async function loadEach(options: {
  url: string;
  connections: number;
  headers?: Record<string, string>;
  requests: BenchRequest[];
}): Promise<BatchResult> {
  const { requests } = options;
  let next = 0;
  const started = performance.now();
  // autocannon settles on its next one-second tick after the last answer: time the answers instead.
  let lastAnswer = started;
  const result = await autocannon({
    url: options.url,
    connections: Math.min(options.connections, requests.length),
    amount: requests.length,
    headers: options.headers,
    requests: [
      {
        setupRequest: (request) => {
          const item = requests[next++ % requests.length];
          return {
            ...request,
            method: item.method,
            path: item.path,
            body: item.body,
            headers: {
              ...request.headers,
              ...(item.body === undefined ? {} : { 'content-type': 'application/json' }),
            },
          };
        },
        onResponse: () => {
          lastAnswer = performance.now();
        },
      },
    ],
  });
  const wallMs = lastAnswer - started;
  return {
    connections: Math.min(options.connections, requests.length),
    requests: result.requests.total,
    wall_ms: Math.round(wallMs),
    requests_per_s: Math.round(result.requests.total / (wallMs / 1000)),
    latency_ms: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    statuses: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count ?? 0]),
    ),
    errors: result.errors + result.timeouts,
  };
}
