import { Group, Select, TextInput } from '@mantine/core';
import { CUSTOM, RANGE_CHOICES, rangeChange, type ResolvedRange } from '../time-range';

/**
 * The time range of a list: a preset, or "Custom range" with two native date-time inputs ("From",
 * "To", the browser's zone). The values live in the URL; `set` applies changes to it.
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
    <Group gap="sm" align="flex-end" wrap="wrap">
      <Select
        aria-label="Time range"
        data={RANGE_CHOICES}
        value={RANGE_CHOICES.some((choice) => choice.value === range) ? range : fallback}
        onChange={(value) => set(rangeChange(range, value ?? fallback, fallback))}
        w={180}
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
            w={210}
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
            w={210}
          />
        </>
      )}
    </Group>
  );
}
