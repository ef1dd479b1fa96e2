import { Alert, Anchor, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { ExecutionResult } from '../components/ExecutionResult';
import { Field } from '../components/Field';
import { StateText } from '../components/StateText';
import { Time } from '../components/Time';
import { duration } from '../format';

export function ExecutionPage() {
  const { executionId = '' } = useParams();
  const execution = useQuery({
    queryKey: ['execution', executionId],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/executions/{execution_id}', { params: { path: { execution_id: executionId } } })),
    refetchInterval: (query) => (query.state.data?.state === 'running' ? 2000 : false),
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
          <Field label="Trigger">{data.trigger}</Field>
          <Field label="Host">{data.hostname ?? '—'}</Field>
        </SimpleGrid>
        {data.description && (
          <Text size="sm" mt="sm" style={{ overflowWrap: 'anywhere' }}>
            {data.description}
          </Text>
        )}
      </Card>
      <Title order={3}>Result</Title>
      <ExecutionResult result={data.result} />
    </Stack>
  );
}
