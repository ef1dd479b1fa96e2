import { Alert, Anchor, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, type Execution, unwrap } from '../api/client';
import { ExecutionResult } from '../components/ExecutionResult';
import { Field } from '../components/Field';
import { StateText } from '../components/StateText';
import { Time } from '../components/Time';
import { duration, triggerInWords } from '../format';
import { liveMeta } from '../live/events';
import { LiveOutput } from '../live/LiveOutput';
import { useLive } from '../live/LiveProvider';

/** Job classes whose stdout and stderr can be followed while they run. */
const STREAMED_CLASSES: ReadonlySet<string> = new Set(['ShellJob', 'ScriptJob']);

export function ExecutionPage() {
  const { executionId = '' } = useParams();
  const queryClient = useQueryClient();
  const { connected } = useLive();
  const execution = useQuery({
    queryKey: ['execution', executionId],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/executions/{execution_id}', { params: { path: { execution_id: executionId } } })),
    // The event stream replaces it as it changes; polled only while the stream is down.
    meta: liveMeta({ on: ['execution'], executionId }),
    refetchInterval: (query) => (!connected && query.state.data?.state === 'running' ? 2000 : false),
  });
  const ended = (finished: Execution | null) => {
    if (finished) queryClient.setQueryData(['execution', executionId], finished);
    else void queryClient.invalidateQueries({ queryKey: ['execution', executionId] });
  };
  // A retry says "attempt 2 of 3": the number of attempts is the job's (while it exists).
  const retried = execution.data !== undefined && execution.data.attempt > 1;
  const job = useQuery({
    queryKey: ['job', execution.data?.job.job_id],
    enabled: retried,
    retry: false,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/jobs/{job_id}', { params: { path: { job_id: execution.data?.job.job_id ?? '' } } }),
      ),
  });
  if (execution.isError) return <Alert color="red">{execution.error.message}</Alert>;
  if (!execution.data) return <Text c="dimmed">Loading…</Text>;
  const data = execution.data;
  return (
    <Stack>
      <Group gap="sm">
        <Title order={2}>Execution of</Title>
        <Anchor component={Link} to={`/jobs/${data.job.job_id}`} size="xl" fw={700}>
          {data.job.name}
        </Anchor>
      </Group>
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
          <Field label="State">
            <StateText state={data.state} />
          </Field>
          <Field label="Scheduled">
            <Time iso={data.scheduled_time} />
          </Field>
          <Field label="Started">
            <Time iso={data.started_time} />
          </Field>
          <Field label="Finished">
            <Time iso={data.finished_time} />
          </Field>
          <Field label="Duration">{duration(data.started_time, data.finished_time)}</Field>
          <Field label="Trigger">{triggerInWords(data, job.data ? job.data.retries + 1 : undefined)}</Field>
          {data.retry_of && (
            <Field label="Retry of">
              <Anchor component={Link} to={`/executions/${data.retry_of}`}>
                the first attempt
              </Anchor>
            </Field>
          )}
          <Field label="Host">{data.hostname ?? '—'}</Field>
        </SimpleGrid>
        {data.description && (
          <Text size="sm" mt="sm" style={{ overflowWrap: 'anywhere' }}>
            {data.description}
          </Text>
        )}
      </Card>
      {data.state === 'running' && STREAMED_CLASSES.has(data.job.job_class_string) ? (
        <>
          <Title order={3}>Output</Title>
          <LiveOutput executionId={data.execution_id} onEnd={ended} />
        </>
      ) : (
        <>
          <Title order={3}>Result</Title>
          <ExecutionResult result={data.result} />
        </>
      )}
    </Stack>
  );
}
