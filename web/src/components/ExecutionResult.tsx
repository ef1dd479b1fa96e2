import { Code, Stack, Text } from '@mantine/core';

/** An execution's result: JSON pretty-printed, a ShellJob's stdout and stderr as text blocks. Always text, never HTML. */
export function ExecutionResult({ result }: { result: string | null }) {
  if (result === null) return <Text c="dimmed">No result</Text>;
  let parsed: unknown;
  try {
    parsed = JSON.parse(result);
  } catch {
    return <Code block>{result}</Code>;
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const { stdout, stderr, ...rest } = parsed as Record<string, unknown>;
    if (typeof stdout === 'string' || typeof stderr === 'string') {
      return (
        <Stack gap="xs">
          <Code block>{JSON.stringify(rest, null, 2)}</Code>
          {typeof stdout === 'string' && (
            <>
              <Text size="sm" fw={600}>
                stdout
              </Text>
              <Code block>{stdout || '(empty)'}</Code>
            </>
          )}
          {typeof stderr === 'string' && (
            <>
              <Text size="sm" fw={600}>
                stderr
              </Text>
              <Code block>{stderr || '(empty)'}</Code>
            </>
          )}
        </Stack>
      );
    }
  }
  return <Code block>{JSON.stringify(parsed, null, 2)}</Code>;
}
