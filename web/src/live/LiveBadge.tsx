import { Badge, Tooltip } from '@mantine/core';
import { useLive } from './LiveProvider';

const LOOKS = {
  live: { color: 'teal', label: 'Live', tip: 'Changes show up as they happen' },
  connecting: { color: 'gray', label: 'Connecting…', tip: 'Opening the live connection' },
  reconnecting: { color: 'yellow', label: 'Reconnecting…', tip: 'Live connection lost: refreshing every few seconds' },
  stopped: { color: 'gray', label: 'Offline', tip: 'Not connected' },
} as const;

/** The event stream's state, small, in the header. */
export function LiveBadge() {
  const { status } = useLive();
  const look = LOOKS[status];
  return (
    <Tooltip label={look.tip}>
      <Badge variant="dot" color={look.color} size="sm" role="status" aria-label={`Updates: ${look.label}`}>
        {look.label}
      </Badge>
    </Tooltip>
  );
}
