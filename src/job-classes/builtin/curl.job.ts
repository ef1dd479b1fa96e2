import { Inject, type OnModuleDestroy, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Agent, Dispatcher } from 'undici';
import type { AppConfig } from '../../config/app-config.js';
import { argumentLabel, argumentProblem } from '../job-arguments.js';
import { JobClass } from '../job-class.decorator.js';
import { type JobClassHandler, type JobClassMeta, JobFailedError, type JobRunContext } from '../job-class.types.js';
import { CappedOutput } from './capped-output.js';
import { AddressPolicy, addressRefusal } from './http/address-policy.js';
import { CONNECT_TIMEOUT_MS, createGuardedAgent, type GuardedAgentOptions } from './http/guarded-agent.js';
import { undici } from './http/undici.js';

/** The whole exchange: connecting, every redirect followed, and the body. */
const TOTAL_TIMEOUT_MS = 30_000;
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_HEADER_VALUE = /[\r\n\0]/;
const OPTION_NAMES = ['follow_redirects'];
/** Headers describing a request body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];
/** Headers not sent on to another origin. */
const ORIGIN_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'host'];

export const CURL_JOB: JobClassMeta = {
  jobClassString: 'CurlJob',
  name: 'HTTP request',
  notes:
    `Sends one HTTP or HTTPS request (${CONNECT_TIMEOUT_MS / 1000} s to connect, ${TOTAL_TIMEOUT_MS / 1000} s in all). ` +
    `Redirects are not followed (a 3xx is the result) unless options.follow_redirects is true: then up to ${MAX_REDIRECTS}, to http(s) URLs only. ` +
    'It never connects to a loopback, private (RFC 1918, unique local), carrier-grade NAT, link-local, multicast, ' +
    'broadcast, "this network", documentation or other non-public address, nor to an IPv6 address carrying such an ' +
    'IPv4 one (IPv4-mapped, NAT64, 6to4...), unless HTTP_JOB_ALLOW opens it; never to an address in HTTP_JOB_DENY ' +
    '(the cloud metadata endpoints by default). This is checked on the resolved address of every connection, ' +
    'redirects included, before any packet is sent. ' +
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
    {
      type: 'object',
      description: `options (optional): {"follow_redirects": true} follows up to ${MAX_REDIRECTS} redirects, each target checked like the first`,
      optional: true,
    },
  ],
  exampleArguments: ['https://example.com/', 'GET', null, { accept: 'text/html' }, { follow_redirects: true }],
};

export interface CurlResult {
  status: number;
  body: string;
}

export interface CurlJobOptions {
  follow_redirects?: boolean;
}

/** Limits and DNS for tests; production uses the defaults. */
export interface CurlJobTuning extends GuardedAgentOptions {
  /** The whole exchange, redirects and body included (default 30 s). */
  totalTimeoutMs?: number;
}

/** Nest token of an optional {@link CurlJobTuning}. */
export const CURL_JOB_TUNING = Symbol('CurlJobTuning');

/** One request of the exchange: the first, or one redirect target. */
interface Hop {
  url: string;
  method: string;
  headers: Headers;
  body: string | undefined;
}

/** A failure CurlJob words itself (reported as it is). */
class CurlJobError extends Error {}

function isHttpUrl(value: string | URL): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** `https://user:password@host/`: fetch refused such URLs, undici would silently drop the credentials. */
function hasCredentials(value: string): boolean {
  const { username, password } = new URL(value);
  return username !== '' || password !== '';
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

function optionsProblem(options: object): string | null {
  const label = argumentLabel(CURL_JOB, 4);
  for (const [name, value] of Object.entries(options)) {
    if (!OPTION_NAMES.includes(name)) {
      return `${label} has an unknown option ${JSON.stringify(name)} (known: ${OPTION_NAMES.join(', ')})`;
    }
    if (typeof value !== 'boolean') return `${label} ${name} must be a boolean`;
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
 * `: connect ECONNREFUSED ...`: the message of a failed connection (or of its cause). Duck-typed: the
 * error may come from another realm, and a failed connection to every address of a name is an
 * AggregateError without a message.
 */
function causeText(error: unknown): string {
  type Failure = { message?: unknown; code?: unknown; cause?: Failure; errors?: Failure[] } | null | undefined;
  const failure = error as Failure;
  for (const candidate of [failure, failure?.cause, failure?.errors?.[0]]) {
    const text = candidate?.message || candidate?.code;
    if (typeof text === 'string') return `: ${text}`;
  }
  return '';
}

/** The body as text, at most `maxBytes`; the rest is not downloaded. */
async function readCapped(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<string> {
  const output = new CappedOutput(maxBytes);
  for await (const chunk of body as AsyncIterable<Buffer>) {
    output.push(chunk);
    if (output.truncated) break; // leaving the loop destroys the stream: the connection is closed
  }
  return output.text(false);
}

/** The request that follows `response` (a redirect of `hop` to `location`), as a browser would send it. */
function redirected(hop: Hop, status: number, location: string): Hop {
  let target: URL;
  try {
    target = new URL(location, hop.url);
  } catch {
    throw new CurlJobError(`CurlJob got a redirect from ${hop.url} to ${JSON.stringify(location)}, which is no URL`);
  }
  if (!isHttpUrl(target)) {
    throw new CurlJobError(
      `CurlJob got a redirect from ${hop.url} to ${target.href}, which is not http(s): not followed`,
    );
  }
  const headers = new Headers(hop.headers);
  let { method, body } = hop;
  if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    method = 'GET';
    body = undefined;
    for (const name of BODY_HEADERS) headers.delete(name);
  }
  if (target.origin !== new URL(hop.url).origin) for (const name of ORIGIN_HEADERS) headers.delete(name);
  return { url: target.href, method, headers, body };
}

function locationOf(headers: Dispatcher.ResponseData['headers']): string | undefined {
  const location = headers.location;
  return Array.isArray(location) ? location[0] : location;
}

@JobClass(CURL_JOB)
export class CurlJob implements JobClassHandler, OnModuleDestroy {
  private agent: Agent | undefined;
  private readonly totalTimeoutMs: number;

  constructor(
    private readonly config: ConfigService<AppConfig, true>,
    @Optional() @Inject(CURL_JOB_TUNING) private readonly tuning: CurlJobTuning = {},
  ) {
    this.totalTimeoutMs = tuning.totalTimeoutMs ?? TOTAL_TIMEOUT_MS;
  }

  checkArguments(args: readonly unknown[]): string | null {
    const [url, method, body, headers, options] = args;
    if (typeof url === 'string' && !isHttpUrl(url)) return `${argumentLabel(CURL_JOB, 0)} must be an http(s) URL`;
    if (typeof url === 'string' && hasCredentials(url)) {
      return `${argumentLabel(CURL_JOB, 0)} must not contain credentials (send an authorization header instead)`;
    }
    if (typeof method === 'string' && !METHODS.includes(method.toUpperCase())) {
      return `${argumentLabel(CURL_JOB, 1)} must be one of ${METHODS.join(', ')}`;
    }
    const verb = typeof method === 'string' ? method.toUpperCase() : 'GET';
    if (body !== undefined && body !== null && (verb === 'GET' || verb === 'HEAD')) {
      return `${argumentLabel(CURL_JOB, 2)} cannot be sent with ${verb}`;
    }
    const problem = typeof headers === 'object' && headers !== null ? headersProblem(headers) : null;
    return problem ?? (typeof options === 'object' && options !== null ? optionsProblem(options) : null);
  }

  async run(args: readonly unknown[], context: JobRunContext): Promise<CurlResult> {
    const problem = argumentProblem(CURL_JOB, args) ?? this.checkArguments(args);
    if (problem) throw new Error(problem);
    const [url, method = 'GET', body, headerValues = {}, options = {}] = args as [
      string,
      string?,
      unknown?,
      Record<string, string>?,
      CurlJobOptions?,
    ];
    const headers = new Headers(headerValues);
    let hop: Hop = { url, method: method.toUpperCase(), headers, body: requestBody(body, headers) };
    const dispatcher = this.guardedAgent();
    const { request } = undici();
    const deadline = AbortSignal.timeout(this.totalTimeoutMs);
    const signal = AbortSignal.any([context.signal, deadline]);
    let result: CurlResult | undefined;
    try {
      for (let redirects = 0; result === undefined; redirects += 1) {
        const response = await request(hop.url, {
          dispatcher,
          method: hop.method,
          headers: Object.fromEntries(hop.headers.entries()),
          body: hop.body,
          signal,
        });
        const location = locationOf(response.headers);
        if (options.follow_redirects !== true || !REDIRECT_STATUSES.has(response.statusCode) || !location) {
          result = { status: response.statusCode, body: await readCapped(response.body, context.outputMaxBytes) };
        } else if (redirects === MAX_REDIRECTS) {
          await response.body.dump();
          throw new CurlJobError(
            `CurlJob followed ${MAX_REDIRECTS} redirects from ${url}; not the next (to ${location})`,
          );
        } else {
          await response.body.dump();
          hop = redirected(hop, response.statusCode, location);
        }
      }
    } catch (error) {
      if (context.signal.aborted) throw context.signal.reason;
      if (error instanceof CurlJobError) throw error;
      const via = hop.url === url ? '' : ` (following a redirect from ${url})`;
      const refusal = addressRefusal(error);
      if (refusal) throw new Error(`CurlJob ${refusal.message}${via}`, { cause: error });
      if (deadline.aborted) {
        throw new Error(`CurlJob got no complete answer from ${url} within ${this.totalTimeoutMs / 1000} s`, {
          cause: error,
        });
      }
      throw new Error(`CurlJob request to ${hop.url}${via} failed${causeText(error)}`, { cause: error });
    }
    if (result.status >= 400) throw new JobFailedError(`CurlJob got HTTP ${result.status}`, result);
    return result;
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent?.close();
    this.agent = undefined;
  }

  /** The agent every request goes through, built on first use from HTTP_JOB_DENY, HTTP_JOB_ALLOW and the built-in list. */
  private guardedAgent(): Agent {
    if (!this.agent) {
      const rules: AppConfig['curl'] | undefined = this.config.get('curl', { infer: true });
      if (!rules) throw new Error('CurlJob has no address rules: HTTP_JOB_DENY and HTTP_JOB_ALLOW are not configured');
      this.agent = createGuardedAgent(new AddressPolicy(rules.deny, rules.allow), this.tuning);
    }
    return this.agent;
  }
}
