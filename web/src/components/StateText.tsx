import { Text } from '@mantine/core';
import { STATE_COLOURS } from '../format';

/** An execution state as coloured text ("succeeded", "failed", ...). */
export function StateText({ state }: { state: string | null | undefined }) {
  if (!state) return <Text c="dimmed">—</Text>;
  return (
    <Text component="span" fw={600} c={STATE_COLOURS[state] ?? 'gray'} size="sm">
      {state}
    </Text>
  );
}
