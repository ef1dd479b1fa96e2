import { createHmac, timingSafeEqual } from 'node:crypto';
import { newWebhookSecret, signatureOf } from './webhook-signature.js';

describe('webhook signatures', () => {
  it('are sha256= and the hex HMAC-SHA256 of the exact body bytes, which a receiver can recompute', () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ id: 'x', event: 'ping', created_time: '2026-12-07T00:00:00.000Z', data: { é: 1 } });
    const signature = signatureOf(secret, body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    const expected = `sha256=${createHmac('sha256', secret).update(Buffer.from(body, 'utf8')).digest('hex')}`;
    expect(timingSafeEqual(Buffer.from(signature), Buffer.from(expected))).toBe(true);
  });

  it('change with the body and with the secret', () => {
    const secret = newWebhookSecret();
    expect(signatureOf(secret, '{"a":1}')).not.toBe(signatureOf(secret, '{"a":2}'));
    expect(signatureOf(secret, '{"a":1}')).not.toBe(signatureOf(newWebhookSecret(), '{"a":1}'));
  });

  it('come from secrets that are long, random and recognisable', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(newWebhookSecret());
  });
});
