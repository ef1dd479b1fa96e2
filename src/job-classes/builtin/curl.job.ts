import { argumentLabel, argumentProblem } from '../job-arguments.js';
import { JobClass } from '../job-class.decorator.js';
import { type JobClassHandler, type JobClassMeta, JobFailedError, type JobRunContext } from '../job-class.types.js';
import { CappedOutput } from './capped-output.js';

const TIMEOUT_MS = 30_000;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_HEADER_VALUE = /[\r\n\0]/;

export const CURL_JOB: JobClassMeta = {
  jobClassString: 'CurlJob',
  name: 'HTTP request',
  notes:
    'Sends one HTTP or HTTPS request (30 s timeout; redirects are not followed: a 3xx is the result). ' +
    'Result {"status", "body"}, the body cut at OUTPUT_MAX_BYTES; a status of 400 or more fails the run.',
  arguments: [
    { type: 'string', description: 'url: an http:// or https:// URL' },
    {
      type: 'string',
      description: `method (optional, default GET): one of ${METHODS.join(', ')}`,
      optional: true,
    },
    {
      type: 'any',
      description:
        'body (optional): a string is sent as it is; any other JSON value as JSON with content-type application/json; null sends none',
      optional: true,
    },
    { type: 'object', description: 'headers (optional): request headers, names to string values', optional: true },
  ],
  exampleArguments: ['https://example.com/', 'GET'],
};

export interface CurlResult {
  status: number;
  body: string;
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function headersProblem(headers: object): string | null {
  const label = argumentLabel(CURL_JOB, 3);
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name)) return `${label} has an invalid header name ${JSON.stringify(name)}`;
    if (typeof value !== 'string') return `${label} header ${name} must be a string`;
    if (BAD_HEADER_VALUE.test(value)) return `${label} header ${name} must not contain CR, LF or NUL`;
  }
  return null;
}

function requestBody(body: unknown, headers: Headers): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  return JSON.stringify(body);
}

/**
 * `: connect ECONNREFUSED ...` from fetch's `TypeError('fetch failed')`. Duck-typed: the error may come
 * from another realm, and a failed connection to every address of a name is an AggregateError without a message.
 */
function causeText(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown; code?: unknown } } | null)?.cause;
  const text = cause?.message || cause?.code;
  return typeof text === 'string' ? `: ${text}` : '';
}

/** The body as text, at most `maxBytes`; the rest is not downloaded. */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const output = new CappedOutput(maxBytes);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    output.push(value);
    if (output.truncated) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return output.text(false);
}

@JobClass(CURL_JOB)
export class CurlJob implements JobClassHandler {
  checkArguments(args: readonly unknown[]): string | null {
    const [url, method, body, headers] = args;
    if (typeof url === 'string' && !isHttpUrl(url)) return `${argumentLabel(CURL_JOB, 0)} must be an http(s) URL`;
    if (typeof method === 'string' && !METHODS.includes(method.toUpperCase())) {
      return `${argumentLabel(CURL_JOB, 1)} must be one of ${METHODS.join(', ')}`;
    }
    const verb = typeof method === 'string' ? method.toUpperCase() : 'GET';
    if (body !== undefined && body !== null && (verb === 'GET' || verb === 'HEAD')) {
      return `${argumentLabel(CURL_JOB, 2)} cannot be sent with ${verb}`;
    }
    return typeof headers === 'object' && headers !== null ? headersProblem(headers) : null;
  }

  async run(args: readonly unknown[], context: JobRunContext): Promise<CurlResult> {
    const problem = argumentProblem(CURL_JOB, args) ?? this.checkArguments(args);
    if (problem) throw new Error(problem);
    const [url, method = 'GET', body, headerValues = {}] = args as [string, string?, unknown?, Record<string, string>?];
    const headers = new Headers(headerValues);
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    const signal = AbortSignal.any([context.signal, timeout]);
    let result: CurlResult;
    try {
      const response = await fetch(url, {
        method: method.toUpperCase(),
        headers,
        body: requestBody(body, headers),
        redirect: 'manual',
        signal,
      });
      result = { status: response.status, body: await readCapped(response, context.outputMaxBytes) };
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      if (timeout.aborted) {
        throw new Error(`CurlJob got no complete answer from ${url} within ${TIMEOUT_MS / 1000} s`, { cause: error });
      }
      throw new Error(`CurlJob request to ${url} failed${causeText(error)}`, { cause: error });
    }
    if (result.status >= 400) throw new JobFailedError(`CurlJob got HTTP ${result.status}`, result);
    return result;
  }
}
