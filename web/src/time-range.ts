/** The time ranges of the Executions and Audit logs pages: presets, or a custom from/to kept in the URL. */
export const RANGE_PRESETS = [
  { value: '10m', label: 'Last 10 minutes', ms: 10 * 60_000 },
  { value: '1h', label: 'Last hour', ms: 3600_000 },
  { value: '12h', label: 'Last 12 hours', ms: 12 * 3600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3600_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
] as const;

export const CUSTOM = 'custom';

/** The choices of the time-range select: the presets, then "Custom range". */
export const RANGE_CHOICES = [
  ...RANGE_PRESETS.map(({ value, label }) => ({ value, label })),
  { value: CUSTOM, label: 'Custom range' },
];

/** What a list request sends: ISO instants (no end: until now), or why the range cannot be used. */
export type ResolvedRange =
  { ok: true; start: string; end?: string } | { ok: false; problem: string; field: 'from' | 'to' };

/** A `datetime-local` value (`2026-12-07T10:30`, the browser's zone) as a Date, or null when it is not one. */
export function parseLocal(value: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return null;
  const date = new Date(value); // a date-time without offset is local time
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A Date as a `datetime-local` value in the browser's zone, to the minute. */
export function toLocalInput(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/**
 * The range of the URL's `range`, `from` and `to`: a preset ends now; a custom range needs `from`,
 * and ends at `to` (or now). An unknown preset falls back to `fallback`.
 */
export function resolveRange(
  range: string,
  from: string,
  to: string,
  fallback: string = '1h',
  now: number = Date.now(),
): ResolvedRange {
  if (range === CUSTOM) {
    const start = parseLocal(from);
    if (!start) return { ok: false, problem: 'Choose when the range starts', field: 'from' };
    if (!to) return { ok: true, start: start.toISOString() };
    const end = parseLocal(to);
    if (!end) return { ok: false, problem: 'The end of the range is not a date and time', field: 'to' };
    if (start > end) return { ok: false, problem: 'The range must start before it ends', field: 'to' };
    return { ok: true, start: start.toISOString(), end: end.toISOString() };
  }
  const preset =
    RANGE_PRESETS.find((candidate) => candidate.value === range) ??
    RANGE_PRESETS.find((candidate) => candidate.value === fallback) ??
    RANGE_PRESETS[1];
  return { ok: true, start: new Date(now - preset.ms).toISOString() };
}

/** The URL changes of switching to `range`: a custom range starts as the preset it replaces. */
export function rangeChange(
  current: string,
  next: string,
  fallback: string = '1h',
  now: number = Date.now(),
): Record<string, string> {
  if (next !== CUSTOM) return { range: next, from: '', to: '' };
  const resolved = resolveRange(current, '', '', fallback, now);
  const start = resolved.ok ? new Date(resolved.start) : new Date(now - 3600_000);
  return { range: CUSTOM, from: toLocalInput(start), to: toLocalInput(new Date(now)) };
}
