import { Box, Code, Group, Loader, Stack, Text } from '@mantine/core';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { type Execution, session } from '../api/client';
import { appendTail, atBottom, EMPTY_TAIL, type OutputTail, parseOutputEvent } from './output';
import { readEventStream, reconnectDelay, StreamRefused } from './sse';

type Streams = { stdout: OutputTail; stderr: OutputTail };
type Phase = 'connecting' | 'open' | 'reconnecting' | 'unavailable';

const EMPTY: Streams = { stdout: EMPTY_TAIL, stderr: EMPTY_TAIL };

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** One stream's text, scrolled to its end as it grows unless the reader scrolled up. */
function OutputBlock({ name, tail }: { name: 'stdout' | 'stderr'; tail: OutputTail }) {
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useLayoutEffect(() => {
    const element = box.current;
    if (element && stick.current) element.scrollTop = element.scrollHeight;
  }, [tail.text]);
  return (
    <Stack gap={4}>
      <Text size="sm" fw={600}>
        {name}
      </Text>
      {tail.cut && (
        <Text size="xs" c="dimmed">
          Earlier output cut: the last 64 KiB are shown.
        </Text>
      )}
      <Box
        ref={box}
        role="log"
        aria-label={`Live ${name}`}
        mah={360}
        style={{ overflow: 'auto', borderRadius: 'var(--mantine-radius-sm)' }}
        onScroll={(event) => {
          stick.current = atBottom(event.currentTarget);
        }}
      >
        <Code
          block
          c={tail.text ? (name === 'stderr' ? 'red.8' : undefined) : 'dimmed'}
          style={{ minHeight: '3em', whiteSpace: 'pre-wrap' }}
        >
          {tail.text || 'Nothing written yet'}
        </Code>
      </Box>
    </Stack>
  );
}

/**
 * A running execution's stdout and stderr as they are written, from
 * `GET /api/v1/executions/:id/output` (the tail so far first, then each chunk, then `end`).
 * Reconnects while the run goes on; `onEnd` gets the finished execution (its stored result).
 */
export function LiveOutput({
  executionId,
  onEnd,
}: {
  executionId: string;
  onEnd: (execution: Execution | null) => void;
}) {
  const [streams, setStreams] = useState<Streams>(EMPTY);
  const [phase, setPhase] = useState<Phase>('connecting');
  const onEndRef = useRef(onEnd);
  onEndRef.current = onEnd;

  useEffect(() => {
    const abort = new AbortController();
    const { signal } = abort;
    async function follow(): Promise<void> {
      let failures = 0;
      let ended = false;
      let renewedJustNow = false;
      while (!signal.aborted && !ended) {
        const token = session.get();
        try {
          await readEventStream({
            url: `/api/v1/executions/${encodeURIComponent(executionId)}/output`,
            token,
            signal,
            onOpen: () => {
              failures = 0;
              renewedJustNow = false;
              // The server starts every stream with the tail so far.
              setStreams(EMPTY);
              setPhase('open');
            },
            onEvent: (message) => {
              const event = parseOutputEvent(message);
              if (!event) return;
              if (event.kind === 'output') {
                setStreams((current) => ({
                  ...current,
                  [event.stream]: appendTail(current[event.stream], event.data),
                }));
              } else {
                ended = true;
                abort.abort();
                onEndRef.current(event.execution);
              }
            },
          });
        } catch (error) {
          if (signal.aborted) return;
          if (error instanceof StreamRefused) {
            if (error.status === 401) {
              // An expired access token: renew it and follow on (once at once, then after a wait).
              const outcome = await session.recover(token);
              if (outcome === 'ended' || signal.aborted) return;
              if (outcome === 'renewed' && !renewedJustNow) {
                renewedJustNow = true;
                continue;
              }
            } else if (error.status >= 400 && error.status < 500 && error.status !== 429) {
              setPhase('unavailable');
              return;
            }
          }
        }
        if (ended || signal.aborted) return;
        setPhase('reconnecting');
        await wait(reconnectDelay(failures, undefined), signal);
        failures += 1;
      }
    }
    void follow();
    return () => abort.abort();
  }, [executionId]);

  if (phase === 'unavailable') {
    return <Text c="dimmed">Live output is not available here; the output shows when the run ends.</Text>;
  }
  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Loader size="xs" type="dots" />
        <Text size="sm" c="dimmed">
          {phase === 'open' ? 'Running: output appears as it is written.' : 'Connecting to the output…'}
        </Text>
      </Group>
      <OutputBlock name="stdout" tail={streams.stdout} />
      <OutputBlock name="stderr" tail={streams.stderr} />
    </Stack>
  );
}
