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
