import { ago, bytes, fromNow, span } from './relative-time';

describe('relative times', () => {
  it('says a span in the largest useful unit', () => {
    expect(span(0)).toBe('0 s');
    expect(span(3.4)).toBe('3 s');
    expect(span(59.4)).toBe('59 s');
    expect(span(60)).toBe('1 min');
    expect(span(3599)).toBe('59 min');
    expect(span(3600)).toBe('1 h');
    expect(span(3600 + 5 * 60)).toBe('1 h 5 min');
    expect(span(3 * 86_400 + 7)).toBe('3 d');
    expect(span(-5)).toBe('0 s');
  });

  it('says ago and from now', () => {
    expect(ago(3)).toBe('3 s ago');
    const now = Date.parse('2026-12-07T10:00:00.000Z');
    expect(fromNow('2026-12-07T10:04:00.000Z', now)).toBe('in 4 min');
    expect(fromNow('2026-12-07T09:59:58.000Z', now)).toBe('2 s ago');
    expect(fromNow('2026-12-07T10:00:00.400Z', now)).toBe('now');
  });

  it('says sizes in binary units', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(2 * 1024 * 1024)).toBe('2.0 MiB');
  });
});
