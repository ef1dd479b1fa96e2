import { ActionIcon, CopyButton, Group, Tooltip } from '@mantine/core';

/** A SHA-256 shortened to 12 characters, the full value on hover and a copy button. */
export function Sha({ value }: { value: string }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Tooltip label={value} withArrow>
        <code style={{ fontSize: 12 }} title={value}>
          {value.slice(0, 12)}
        </code>
      </Tooltip>
      <CopyButton value={value}>
        {({ copied, copy }) => (
          <Tooltip label={copied ? 'Copied' : 'Copy the SHA-256'} withArrow>
            <ActionIcon
              variant="subtle"
              color={copied ? 'teal' : 'gray'}
              size="sm"
              onClick={copy}
              aria-label="Copy the SHA-256"
            >
              <svg
                aria-hidden
                width="14"
                height="14"
                viewBox="0 0 24 24"
                fill="none"
                stroke="currentColor"
                strokeWidth="2"
              >
                {copied ? (
                  <path d="M5 12l5 5L20 7" />
                ) : (
                  <>
                    <rect x="8" y="8" width="12" height="12" rx="2" />
                    <path d="M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2" />
                  </>
                )}
              </svg>
            </ActionIcon>
          </Tooltip>
        )}
      </CopyButton>
    </Group>
  );
}
