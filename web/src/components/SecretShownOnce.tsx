import { Alert, Button, Code, CopyButton, Group, Stack } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A secret the server shows this once (an API token, a webhook's signing secret): what it is for,
 * the value itself and a copy button, under a warning that it will not be shown again.
 */
export function SecretShownOnce({
  title,
  label,
  value,
  copyLabel,
  children,
}: {
  /** The warning, e.g. "Copy the token now: it will not be shown again". */
  title: string;
  /** The value's accessible name, e.g. "New API token". */
  label: string;
  value: string;
  /** The copy button's text, e.g. "Copy token". */
  copyLabel: string;
  /** What the secret is for and how to keep it. */
  children: ReactNode;
}) {
  return (
    <Alert color="yellow" title={title}>
      <Stack gap="xs">
        {children}
        <Group gap="xs" wrap="nowrap" align="center">
          <Code
            aria-label={label}
            style={{ fontSize: 'var(--mantine-font-size-sm)', overflowWrap: 'anywhere', flex: 1 }}
          >
            {value}
          </Code>
          <CopyButton value={value}>
            {({ copied, copy }) => (
              <Button
                size="xs"
                variant={copied ? 'filled' : 'light'}
                color={copied ? 'teal' : undefined}
                onClick={copy}
              >
                {copied ? 'Copied' : copyLabel}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}
