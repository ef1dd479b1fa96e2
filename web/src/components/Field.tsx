import { Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** A labelled value in a settings card: a small dimmed label over the value (long values wrap). */
export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text component="div" size="sm" style={{ overflowWrap: 'anywhere' }}>
        {children}
      </Text>
    </div>
  );
}
