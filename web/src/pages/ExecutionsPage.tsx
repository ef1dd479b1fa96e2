import { Alert, Anchor, Button, Card, Group, Pagination, Select, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, type Execution, unwrap } from '../api/client';
import { ExecutionsTable } from '../components/ExecutionsTable';
import { TimeRangeFilter } from '../components/TimeRangeFilter';
import { STATE_COLOURS } from '../format';
import { RANGE_PRESETS, resolveRange } from '../time-range';
import { useLiveOptions } from '../live/LiveProvider';

/** The presets of the time-range filters (kept for pages that import them from here). */
export const RANGES = RANGE_PRESETS.map(({ value, label, ms }) => ({ value, label, ms }));
const STATES = Object.keys(STATE_COLOURS) as Array<Execution['state']>;
const PAGE_SIZE = 50;
const DEFAULT_RANGE = '1h';

/** The start of a preset range, ending now. */
export function rangeStart(range: string): string {
  const resolved = resolveRange(range, '', '', DEFAULT_RANGE);
  return resolved.ok ? resolved.start : new Date(Date.now() - 3600_000).toISOString();
}

export function ExecutionsPage() {
  const [params, setParams] = useSearchParams();
  const range = params.get('range') ?? DEFAULT_RANGE;
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const state = params.get('state') ?? '';
  const jobId = params.get('job') ?? '';
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    if (!('page' in changes)) next.delete('page');
    setParams(next, { replace: true });
  };
  const resolved = resolveRange(range, from, to, DEFAULT_RANGE);
  // Presets slide with the clock (recomputed at each fetch); a custom range is fixed.
  const timeQuery = () => {
    const current = resolveRange(range, from, to, DEFAULT_RANGE);
    return current.ok
      ? { time_range_start: current.start, ...(current.end ? { time_range_end: current.end } : {}) }
      : {};
  };
  const executions = useQuery({
    queryKey: ['executions', range, from, to, state, jobId, page],
    enabled: resolved.ok,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/executions', {
          params: {
            query: {
              ...timeQuery(),
              limit: PAGE_SIZE,
              offset: (page - 1) * PAGE_SIZE,
              ...(state ? { state: state as Execution['state'] } : {}),
              ...(jobId ? { job_id: jobId } : {}),
            },
          },
        }),
      ),
    ...useLiveOptions({ on: ['execution'], poll: 3000 }),
  });
  const stats = useQuery({
    queryKey: ['executions', 'stats', range, from, to, jobId],
    enabled: resolved.ok,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/executions/stats', {
          params: { query: { ...timeQuery(), ...(jobId ? { job_id: jobId } : {}) } },
        }),
      ),
    ...useLiveOptions({ on: ['execution'], poll: 3000 }),
  });
  const total = executions.data?.total ?? 0;
  const filtered = state !== '' || jobId !== '';
  return (
    <Stack>
      <Title order={2}>Executions</Title>
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TimeRangeFilter range={range} from={from} to={to} fallback={DEFAULT_RANGE} resolved={resolved} set={set} />
        <Select
          aria-label="State"
          data={[{ value: '', label: 'Every state' }, ...STATES.map((name) => ({ value: name, label: name }))]}
          value={state}
          onChange={(value) => set({ state: value ?? '' })}
          w={{ base: '100%', xs: 180 }}
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
          <Button size="xs" variant="subtle" onClick={() => set({ job: '' })}>
            Show every job
          </Button>
        </Group>
      )}
      {stats.data && (
        <Card withBorder padding="sm" component="section" aria-labelledby="execution-stats">
          <Group justify="space-between" mb={6}>
            <Text id="execution-stats" size="sm" fw={600}>
              Statistics of the range
            </Text>
            <Text size="sm" c="dimmed">
              {stats.data.total} {stats.data.total === 1 ? 'execution' : 'executions'}
            </Text>
          </Group>
          <Group gap={6}>
            {STATES.map((name) => {
              const count = stats.data.counts[name];
              const active = state === name;
              return (
                <Button
                  key={name}
                  size="compact-sm"
                  radius="xl"
                  variant={active ? 'filled' : count > 0 ? 'light' : 'subtle'}
                  color={STATE_COLOURS[name] ?? 'gray'}
                  aria-pressed={active}
                  title={active ? 'Show every state' : `Show only ${name} executions`}
                  onClick={() => set({ state: active ? '' : name })}
                >
                  {name}: {count}
                </Button>
              );
            })}
          </Group>
        </Card>
      )}
      {!resolved.ok && <Text c="dimmed">Choose a time range to see its executions.</Text>}
      {executions.isError && <Alert color="red">{executions.error.message}</Alert>}
      {stats.isError && <Alert color="red">{stats.error.message}</Alert>}
      {executions.data && executions.data.executions.length === 0 && (
        <Text c="dimmed">
          {filtered
            ? 'No execution matches these filters in this range — choose a longer range, or show every state.'
            : 'No execution in this range — jobs that fire show up here within seconds; or choose a longer range.'}
        </Text>
      )}
      {executions.data && executions.data.executions.length > 0 && (
        <ExecutionsTable executions={executions.data.executions} />
      )}
      {total > PAGE_SIZE && (
        <Pagination
          total={Math.ceil(total / PAGE_SIZE)}
          value={page}
          onChange={(value) => set({ page: String(value) })}
        />
      )}
    </Stack>
  );
}
