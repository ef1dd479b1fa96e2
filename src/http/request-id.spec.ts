import type { IncomingMessage } from 'node:http';
import { assignRequestId, requestIdOf } from './request-id.js';

const requestWith = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('assignRequestId', () => {
  it('keeps a well-formed incoming X-Request-Id', () => {
    const req = requestWith({ 'x-request-id': 'proxy-1234.abc' });
    expect(assignRequestId(req)).toBe('proxy-1234.abc');
  });

  it.each(['short', 'has space in it', 'x'.repeat(200), 'new\nline-123456'])('replaces %p with a UUID', (value) => {
    const req = requestWith({ 'x-request-id': value });
    expect(assignRequestId(req)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('writes the id back so later readers see the same value', () => {
    const req = requestWith({});
    const id = assignRequestId(req);
    expect(requestIdOf(req)).toBe(id);
  });
});
