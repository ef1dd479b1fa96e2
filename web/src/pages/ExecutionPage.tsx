import { Alert, Anchor, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { ExecutionResult } from '../components/ExecutionResult';
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
          <div>
            <Text size="xs" c="dimmed">
              State
            </Text>
            <StateText state={data.state} />
          </div>
          <div>
            <Text size="xs" c="dimmed">
              Scheduled
            </Text>
            <Text size="sm">
              <Time iso={data.scheduled_time} />
            </Text>
          </div>
          <div>
            <Text size="xs" c="dimmed">
              Started
            </Text>
            <Text size="sm">
              <Time iso={data.started_time} />
            </Text>
          </div>
          <div>
            <Text size="xs" c="dimmed">
              Finished
            </Text>
            <Text size="sm">
              <Time iso={data.finished_time} />
            </Text>
          </div>
          <div>
            <Text size="xs" c="dimmed">
              Duration
            </Text>
            <Text size="sm">{duration(data.started_time, data.finished_time)}</Text>
          </div>
          <div>
            <Text size="xs" c="dimmed">
              Trigger
            </Text>
            <Text size="sm">{data.trigger}</Text>
          </div>
          <div>
            <Text size="xs" c="dimmed">
              Host
            </Text>
            <Text size="sm">{data.hostname ?? '—'}</Text>
          </div>
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
