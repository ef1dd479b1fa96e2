import { Badge, Box, Tooltip } from '@mantine/core';
import { useLive } from './LiveProvider';

const LOOKS = {
  live: { color: 'teal', label: 'Live', tip: 'Changes show up as they happen' },
  connecting: { color: 'gray', label: 'Connecting…', tip: 'Opening the live connection' },
  reconnecting: { color: 'yellow', label: 'Reconnecting…', tip: 'Live connection lost: refreshing every few seconds' },
  stopped: { color: 'gray', label: 'Offline', tip: 'Not connected' },
} as const;

/** The event stream's state, small, in the header: a labelled dot, only the dot on phones. */
export function LiveBadge() {
  const { status } = useLive();
  const look = LOOKS[status];
  return (
    <Tooltip label={look.tip}>
      <Box role="status" aria-label={`Updates: ${look.label}`} style={{ flexShrink: 0 }}>
        <Badge variant="dot" color={look.color} size="md" tt="none" fw={500} visibleFrom="xs">
          {look.label}
        </Badge>
        <Box
          hiddenFrom="xs"
          w={10}
          h={10}
          bg={`var(--mantine-color-${look.color}-6)`}
          style={{ borderRadius: '50%' }}
          title={look.label}
        />
      </Box>
    </Tooltip>
  );
}
