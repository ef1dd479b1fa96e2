import { AddressPolicy } from '../job-classes/builtin/http/address-policy.js';
import { webhookUrlProblem } from './webhook-url.js';

const policy = new AddressPolicy(['169.254.169.254/32'], ['127.0.0.1/32']);
const dns = (table: Record<string, string[]>) => (host: string) => {
  const found = table[host];
  if (!found) return Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
  return Promise.resolve(found);
};

describe('webhook URL check (CurlJob address rules)', () => {
  it('accepts public addresses and what HTTP_JOB_ALLOW opens', async () => {
    const resolve = dns({ 'hooks.example.com': ['93.184.215.14'] });
    expect(await webhookUrlProblem('https://hooks.example.com/x', policy, resolve)).toBeNull();
    expect(await webhookUrlProblem('http://127.0.0.1:8080/hook', policy, resolve)).toBeNull();
  });

  it('refuses loopback, private, metadata and IPv6 forms of them, saying why', async () => {
    const resolve = dns({ localhost: ['127.0.0.2', '::1'], 'inside.example': ['10.1.2.3'] });
    expect(await webhookUrlProblem('http://127.0.0.2/', policy, resolve)).toBe(
      'url: webhooks are never sent to 127.0.0.2: it is a loopback address (127.0.0.0/8; HTTP_JOB_ALLOW can open it)',
    );
    expect(await webhookUrlProblem('http://localhost/', policy, resolve)).toContain(
      '127.0.0.2 (the address of localhost): it is a loopback address',
    );
    expect(await webhookUrlProblem('http://inside.example/', policy, resolve)).toContain('RFC 1918');
    expect(await webhookUrlProblem('http://169.254.169.254/latest', policy, resolve)).toContain(
      'in HTTP_JOB_DENY (169.254.169.254/32)',
    );
    expect(await webhookUrlProblem('http://[::ffff:10.0.0.1]/', policy, resolve)).toContain('RFC 1918');
    expect(await webhookUrlProblem('http://[::1]/', policy, resolve)).toContain('loopback');
  });

  it('refuses what is not an http(s) URL, credentials and names that do not resolve', async () => {
    const resolve = dns({});
    expect(await webhookUrlProblem('not a url', policy, resolve)).toBe(
      'url must be an absolute http:// or https:// URL',
    );
    expect(await webhookUrlProblem('ftp://example.com/', policy, resolve)).toBe(
      'url must be an http:// or https:// URL',
    );
    expect(await webhookUrlProblem('https://u:p@127.0.0.1/', policy, resolve)).toBe('url must not contain credentials');
    expect(await webhookUrlProblem('https://nowhere.invalid/', policy, resolve)).toBe(
      'url: the host nowhere.invalid cannot be resolved (ENOTFOUND)',
    );
  });
});
