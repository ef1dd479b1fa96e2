import { Alert, Anchor, Badge, Button, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, type Execution, unwrap } from '../api/client';
import { ExecutionsTable } from '../components/ExecutionsTable';
import { STATE_COLOURS } from '../format';
import { useLiveOptions } from '../live/LiveProvider';

export const RANGES = [
  { value: '10m', label: 'Last 10 minutes', ms: 10 * 60_000 },
  { value: '1h', label: 'Last hour', ms: 3600_000 },
  { value: '12h', label: 'Last 12 hours', ms: 12 * 3600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 24 * 3600_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
];
const STATES = Object.keys(STATE_COLOURS);

export function rangeStart(range: string): string {
  const ms = RANGES.find((candidate) => candidate.value === range)?.ms ?? 3600_000;
  return new Date(Date.now() - ms).toISOString();
}

export function ExecutionsPage() {
  const [params, setParams] = useSearchParams();
  const range = params.get('range') ?? '1h';
  const state = params.get('state') ?? '';
  const jobId = params.get('job') ?? '';
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  const executions = useQuery({
    queryKey: ['executions', range, state, jobId],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/executions', {
          params: {
            query: {
              time_range_start: rangeStart(range),
              limit: 200,
              ...(state ? { state: state as Execution['state'] } : {}),
              ...(jobId ? { job_id: jobId } : {}),
            },
          },
        }),
      ),
    ...useLiveOptions({ on: ['execution'], poll: 3000 }),
  });
  const counts = new Map<string, number>();
  for (const execution of executions.data?.executions ?? [])
    counts.set(execution.state, (counts.get(execution.state) ?? 0) + 1);
  return (
    <Stack>
      <Title order={2}>Executions</Title>
      <Group>
        <Select
          aria-label="Time range"
          data={RANGES}
          value={range}
          onChange={(value) => set('range', value ?? '1h')}
          w={180}
          allowDeselect={false}
        />
        <Select
          aria-label="State"
          data={[{ value: '', label: 'Every state' }, ...STATES.map((name) => ({ value: name, label: name }))]}
          value={state}
          onChange={(value) => set('state', value ?? '')}
          w={180}
          allowDeselect={false}
        />
      </Group>
      {jobId && (
        <Group gap="xs">
          <Text size="sm">
            Only the executions of{' '}
            <Anchor component={Link} to={`/jobs/${jobId}`}>
              {executions.data?.executions[0]?.job.name ?? 'one job'}
            </Anchor>
          </Text>
          <Button size="xs" variant="subtle" onClick={() => set('job', '')}>
            Show every job
          </Button>
        </Group>
      )}
      {counts.size > 0 && (
        <Group gap="xs">
          {[...counts].map(([name, count]) => (
            <Badge key={name} color={STATE_COLOURS[name] ?? 'gray'} variant="light">
              {name}: {count}
            </Badge>
          ))}
        </Group>
      )}
      {executions.isError && <Alert color="red">{executions.error.message}</Alert>}
      {executions.data && executions.data.executions.length === 0 && (
        <Text c="dimmed">No execution in this range. Jobs that fire show up here within seconds.</Text>
      )}
      {executions.data && executions.data.executions.length > 0 && (
        <ExecutionsTable executions={executions.data.executions} />
      )}
    </Stack>
  );
}
