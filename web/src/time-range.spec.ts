import { CUSTOM, parseLocal, rangeChange, resolveRange, toLocalInput } from './time-range';

describe('time ranges', () => {
  const now = Date.parse('2026-12-07T12:00:00.000Z');

  it('ends a preset now and starts it that long before', () => {
    expect(resolveRange('10m', '', '', '1h', now)).toEqual({ ok: true, start: '2026-12-07T11:50:00.000Z' });
    expect(resolveRange('7d', '', '', '1h', now)).toEqual({ ok: true, start: '2026-11-30T12:00:00.000Z' });
  });

  it('falls back to the page default for an unknown preset', () => {
    expect(resolveRange('nonsense', '', '', '24h', now)).toEqual({ ok: true, start: '2026-12-06T12:00:00.000Z' });
  });

  it('reads a custom range in the browser zone', () => {
    const from = '2026-12-01T08:30';
    const to = '2026-12-02T09:00';
    expect(resolveRange(CUSTOM, from, to, '1h', now)).toEqual({
      ok: true,
      start: new Date(2026, 11, 1, 8, 30).toISOString(),
      end: new Date(2026, 11, 2, 9, 0).toISOString(),
    });
    expect(resolveRange(CUSTOM, from, '', '1h', now)).toEqual({
      ok: true,
      start: new Date(2026, 11, 1, 8, 30).toISOString(),
    });
  });

  it('names the input of a custom range that cannot be used', () => {
    expect(resolveRange(CUSTOM, '', '', '1h', now)).toMatchObject({ ok: false, field: 'from' });
    expect(resolveRange(CUSTOM, 'yesterday', '', '1h', now)).toMatchObject({ ok: false, field: 'from' });
    expect(resolveRange(CUSTOM, '2026-12-01T08:30', '2026-13-45T99:99', '1h', now)).toMatchObject({
      ok: false,
      field: 'to',
    });
    expect(resolveRange(CUSTOM, '2026-12-02T08:30', '2026-12-01T08:30', '1h', now)).toEqual({
      ok: false,
      field: 'to',
      problem: 'The range must start before it ends',
    });
  });

  it('round-trips datetime-local values', () => {
    const date = new Date(2026, 0, 5, 7, 3);
    expect(toLocalInput(date)).toBe('2026-01-05T07:03');
    expect(parseLocal(toLocalInput(date))?.getTime()).toBe(date.getTime());
    expect(parseLocal('2026-01-05')).toBeNull();
  });

  it('starts a custom range as the preset it replaces, and clears it again', () => {
    expect(rangeChange('1h', CUSTOM, '1h', now)).toEqual({
      range: CUSTOM,
      from: toLocalInput(new Date(now - 3600_000)),
      to: toLocalInput(new Date(now)),
    });
    expect(rangeChange(CUSTOM, '24h', '1h', now)).toEqual({ range: '24h', from: '', to: '' });
  });
});
