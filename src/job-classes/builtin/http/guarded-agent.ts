import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { Agent, buildConnector } from 'undici';
import type { AddressPolicy } from './address-policy.js';
import { undici } from './undici.js';

/** How long opening a connection (DNS, TCP and TLS handshakes) may take. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** Longest wait for the response headers, and longest pause while the body arrives. */
export const RESPONSE_TIMEOUT_MS = 30_000;

export interface GuardedAgentOptions {
  /** Host names are resolved with this (default `dns.lookup`): tests play DNS with it. */
  lookup?: LookupFunction;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

const systemLookup: LookupFunction = (hostname, options, callback) => dnsLookup(hostname, options, callback);

/**
 * `lookup`, but failing with an AddressRefusedError when any address it returns is denied. Node's
 * socket calls it between `connect()` and the TCP handshake, so the check is on the very addresses
 * the socket then connects to: a name that resolves elsewhere the next time (DNS rebinding) is
 * checked again on that next connection.
 */
export function checkedLookup(policy: AddressPolicy, lookup: LookupFunction = systemLookup): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, options, (error, address, family) => {
      if (error) {
        callback(error, address, family);
        return;
      }
      const addresses = typeof address === 'string' ? [address] : address.map((entry) => entry.address);
      try {
        for (const each of addresses) policy.check(each, hostname);
      } catch (refusal) {
        callback(refusal as NodeJS.ErrnoException, typeof address === 'string' ? '' : [], family);
        return;
      }
      callback(null, address, family);
    });
  };
}

/**
 * An undici connector that opens no connection `policy` denies: an IP literal host (which Node's
 * socket never looks up) is checked before any socket exists, a host name by `checkedLookup` once
 * resolved and before the handshake.
 */
export function guardedConnector(
  policy: AddressPolicy,
  options: Pick<GuardedAgentOptions, 'lookup' | 'connectTimeoutMs'> = {},
): buildConnector.connector {
  const connect = undici().buildConnector({
    timeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    lookup: checkedLookup(policy, options.lookup),
  });
  return (target, callback) => {
    // undici passes an IPv6 literal without its brackets; strip them anyway, to be sure.
    const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) !== 0) {
      try {
        policy.check(host);
      } catch (refusal) {
        queueMicrotask(() => callback(refusal as Error, null));
        return;
      }
    }
    connect(target, callback);
  };
}

/**
 * The dispatcher CurlJob sends through: every connection it opens, to the first URL and to each
 * redirect target alike, passes `policy` at connect time. One per CurlJob, reused (keep-alive).
 */
export function createGuardedAgent(policy: AddressPolicy, options: GuardedAgentOptions = {}): Agent {
  const { Agent: UndiciAgent } = undici();
  return new UndiciAgent({
    connect: guardedConnector(policy, options),
    headersTimeout: options.headersTimeoutMs ?? RESPONSE_TIMEOUT_MS,
    bodyTimeout: options.bodyTimeoutMs ?? RESPONSE_TIMEOUT_MS,
  });
}
