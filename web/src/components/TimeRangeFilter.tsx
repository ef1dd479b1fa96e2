import { Select, TextInput } from '@mantine/core';
import { CUSTOM, RANGE_CHOICES, rangeChange, type ResolvedRange } from '../time-range';

/**
 * The time range of a list: a preset, or "Custom range" with two native date-time inputs ("From",
 * "To", the browser's zone), as children of the caller's filter row. The values live in the URL; `set` applies
 * changes to it.
 */
export function TimeRangeFilter({
  range,
  from,
  to,
  fallback,
  resolved,
  set,
}: {
  range: string;
  from: string;
  to: string;
  fallback: string;
  resolved: ResolvedRange;
  set: (changes: Record<string, string>) => void;
}) {
  const problem = resolved.ok ? null : resolved;
  return (
    <>
      <Select
        aria-label="Time range"
        data={RANGE_CHOICES}
        value={RANGE_CHOICES.some((choice) => choice.value === range) ? range : fallback}
        onChange={(value) => set(rangeChange(range, value ?? fallback, fallback))}
        w={{ base: '100%', xs: 180 }}
        allowDeselect={false}
      />
      {range === CUSTOM && (
        <>
          <TextInput
            type="datetime-local"
            label="From"
            size="sm"
            value={from}
            max={to || undefined}
            onChange={(event) => set({ from: event.currentTarget.value })}
            error={problem?.field === 'from' ? problem.problem : undefined}
            w={{ base: '100%', xs: 210 }}
          />
          <TextInput
            type="datetime-local"
            label="To"
            size="sm"
            value={to}
            min={from || undefined}
            onChange={(event) => set({ to: event.currentTarget.value })}
            error={problem?.field === 'to' ? problem.problem : undefined}
            description={to ? undefined : 'Empty: until now'}
            w={{ base: '100%', xs: 210 }}
          />
        </>
      )}
    </>
  );
}
