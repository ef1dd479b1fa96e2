import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Input,
  PasswordInput,
  SegmentedControl,
  Stack,
  Text,
} from '@mantine/core';

export type PasswordMode = 'generate' | 'type';

/** "Generate a strong password" or "Type a password"; a typed one is checked by the server's policy. */
export function PasswordChoice({
  mode,
  onModeChange,
  typed,
  onTypedChange,
  error,
  label = 'Password',
}: {
  mode: PasswordMode;
  onModeChange: (mode: PasswordMode) => void;
  typed: string;
  onTypedChange: (value: string) => void;
  error?: string;
  label?: string;
}) {
  return (
    <Stack gap={6}>
      {mode === 'generate' && <Input.Label>{label}</Input.Label>}
      <SegmentedControl
        aria-label={`${label}: generate or type`}
        value={mode}
        onChange={(value) => onModeChange(value === 'type' ? 'type' : 'generate')}
        data={[
          { value: 'generate', label: 'Generate' },
          { value: 'type', label: 'Type one' },
        ]}
      />
      {mode === 'generate' ? (
        <Text size="sm" c={error ? 'red' : 'dimmed'}>
          {error ??
            'A strong random password is made in this browser and shown once, after saving, to pass on to the user.'}
        </Text>
      ) : (
        <PasswordInput
          label={label}
          autoComplete="new-password"
          required
          value={typed}
          onChange={(event) => onTypedChange(event.currentTarget.value)}
          error={error}
        />
      )}
    </Stack>
  );
}

/** A generated password, shown once after saving, with a copy button. */
export function ShownOncePassword({ username, password }: { username: string; password: string }) {
  return (
    <Alert color="yellow" title="Copy the password now: it will not be shown again">
      <Stack gap="xs">
        <Text size="sm">
          The password of <b>{username}</b>. Pass it on safely; they can change it on their Account page.
        </Text>
        <Group gap="xs" wrap="nowrap" align="center">
          <Code
            aria-label="Generated password"
            style={{ fontSize: 'var(--mantine-font-size-md)', overflowWrap: 'anywhere', flex: 1 }}
          >
            {password}
          </Code>
          <CopyButton value={password}>
            {({ copied, copy }) => (
              <Button
                size="xs"
                variant={copied ? 'filled' : 'light'}
                color={copied ? 'teal' : undefined}
                onClick={copy}
              >
                {copied ? 'Copied' : 'Copy password'}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}
