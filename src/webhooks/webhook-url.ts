import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { type AddressPolicy, refusalReason } from '../job-classes/builtin/http/address-policy.js';

/** Resolves a host name to all its addresses (`dns.promises.lookup` with `all: true`). */
export type ResolveAll = (hostname: string) => Promise<string[]>;

const systemResolve: ResolveAll = async (hostname) =>
  (await dnsLookup(hostname, { all: true })).map((entry) => entry.address);

/**
 * Why `value` cannot be a webhook URL, or null: it must be an absolute http(s) URL without
 * credentials whose host (an IP literal, or every address a name resolves to now) CurlJob's address
 * rules allow. The sender checks the address again at every connection (the guarded agent), so a
 * name that resolves elsewhere later is refused then.
 */
export async function webhookUrlProblem(
  value: string,
  policy: AddressPolicy,
  resolve: ResolveAll = systemResolve,
): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'url must be an absolute http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'url must be an http:// or https:// URL';
  if (url.username !== '' || url.password !== '') return 'url must not contain credentials';
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return `url: the host ${host} cannot be resolved${typeof code === 'string' ? ` (${code})` : ''}`;
    }
    if (addresses.length === 0) return `url: the host ${host} cannot be resolved`;
  }
  for (const address of addresses) {
    const refusal = policy.refusalOf(address);
    if (refusal) {
      const of = refusal.address === host ? '' : ` (the address of ${host})`;
      return `url: webhooks are never sent to ${refusal.address}${of}: ${refusalReason(refusal)}`;
    }
  }
  return null;
}
