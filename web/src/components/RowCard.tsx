import { Card, Group, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * One row of a list on a phone (pages switch with `usePhone()`): a bordered card, named for screen
 * readers, with the row's title (usually its link) at the top left, a short status at the top right,
 * then its facts and its actions. A table of six or more columns would only scroll sideways at 390 px.
 */
export function RowCard({
  label,
  title,
  aside,
  children,
  actions,
}: {
  /** The card's accessible name (the row's name). */
  label: string;
  title: ReactNode;
  aside?: ReactNode;
  children?: ReactNode;
  actions?: ReactNode;
}) {
  return (
    <Card withBorder padding="sm" component="article" aria-label={label}>
      <Stack gap={6}>
        <Group justify="space-between" align="baseline" gap="xs" wrap="nowrap">
          <div style={{ minWidth: 0, overflowWrap: 'anywhere' }}>{title}</div>
          {aside !== undefined && <div style={{ flexShrink: 0 }}>{aside}</div>}
        </Group>
        {children}
        {actions}
      </Stack>
    </Card>
  );
}

/** A labelled fact of a card: "Next run 07/12 01:20:02", the label dimmed. */
export function CardFact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
      <Text span size="sm" c="dimmed">
        {label}
      </Text>{' '}
      {children}
    </Text>
  );
}

/** The cards of a list, one under the other. */
export function RowCards({ children }: { children: ReactNode }) {
  return <Stack gap="sm">{children}</Stack>;
}
