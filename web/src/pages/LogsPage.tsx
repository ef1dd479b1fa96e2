import { Alert, Anchor, Badge, Group, Pagination, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, type paths, unwrap } from '../api/client';
import { useAuth } from '../auth';
import { AuditDescription } from '../components/AuditDescription';
import { RowCard, RowCards } from '../components/RowCard';
import { Time } from '../components/Time';
import { TimeRangeFilter } from '../components/TimeRangeFilter';
import { resolveRange } from '../time-range';
import { usePhone } from '../use-phone';

type AuditEvent = NonNullable<NonNullable<paths['/api/v1/logs']['get']['parameters']['query']>['event']>;
/** Events every user may see entries of (their own jobs and sign-ins). */
const EVENTS: AuditEvent[] = [
  'added',
  'modified',
  'deleted',
  'paused',
  'resumed',
  'custom_run',
  'retry_scheduled',
  'login',
  'login_failed',
  'logout',
  'token_created',
  'token_revoked',
];
/** Events of user and role changes: visible to admins only. */
const ADMIN_EVENTS: AuditEvent[] = [
  'user_created',
  'user_modified',
  'user_deleted',
  'role_created',
  'role_modified',
  'role_deleted',
];
const PAGE_SIZE = 100;
const DEFAULT_RANGE = '24h';

export function LogsPage() {
  const auth = useAuth();
  const [params, setParams] = useSearchParams();
  const range = params.get('range') ?? DEFAULT_RANGE;
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const event = params.get('event') ?? '';
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
  const phone = usePhone();
  const events = (auth.me?.roles ?? []).includes('admin') ? [...EVENTS, ...ADMIN_EVENTS] : EVENTS;
  const logs = useQuery({
    queryKey: ['logs', range, from, to, event, page],
    enabled: resolved.ok,
    queryFn: async () => {
      // Presets slide with the clock: recomputed at each fetch.
      const current = resolveRange(range, from, to, DEFAULT_RANGE);
      return unwrap(
        await api.GET('/api/v1/logs', {
          params: {
            query: {
              ...(current.ok
                ? { time_range_start: current.start, ...(current.end ? { time_range_end: current.end } : {}) }
                : {}),
              limit: PAGE_SIZE,
              offset: (page - 1) * PAGE_SIZE,
              ...(event ? { event: event as AuditEvent } : {}),
            },
          },
        }),
      );
    },
    refetchInterval: 5000,
  });
  const total = logs.data?.total ?? 0;
  return (
    <Stack>
      <Title order={2}>Audit logs</Title>
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TimeRangeFilter range={range} from={from} to={to} fallback={DEFAULT_RANGE} resolved={resolved} set={set} />
        <Select
          aria-label="Event"
          data={[{ value: '', label: 'Every event' }, ...events.map((name) => ({ value: name, label: name }))]}
          value={event}
          onChange={(value) => set({ event: value ?? '' })}
          w={{ base: '100%', xs: 180 }}
          allowDeselect={false}
        />
      </Group>
      {!resolved.ok && <Text c="dimmed">Choose a time range to see its entries.</Text>}
      {logs.isError && <Alert color="red">{logs.error.message}</Alert>}
      {logs.data && logs.data.logs.length === 0 && (
        <Text c="dimmed">
          {event
            ? `No ${event} entry in this range — choose a longer range, or every event.`
            : 'Nothing was recorded in this range — creating, changing or running a job, and signing in, show up here.'}
        </Text>
      )}
      {phone && logs.data && logs.data.logs.length > 0 && (
        // Phones: one card per entry, so the description is not scrolled out of sight.
        <RowCards>
          {logs.data.logs.map((entry) => (
            <RowCard
              key={entry.id}
              label={`${entry.event}${entry.job_name ? ` ${entry.job_name}` : ''} by ${entry.user}`}
              title={
                <Badge variant="light" color="gray" radius="sm">
                  {entry.event}
                </Badge>
              }
              aside={
                <Text size="xs" c="dimmed">
                  <Time iso={entry.created_time} />
                </Text>
              }
            >
              <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                {entry.job_id ? (
                  <Anchor component={Link} to={`/jobs/${entry.job_id}`}>
                    {entry.job_name}
                  </Anchor>
                ) : (
                  (entry.job_name ?? '')
                )}
                {entry.job_name ? ' — ' : ''}
                by {entry.user}
              </Text>
              <Text component="div" size="sm" style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>
                <AuditDescription event={entry.event} text={entry.description} />
              </Text>
            </RowCard>
          ))}
        </RowCards>
      )}
      {!phone && logs.data && logs.data.logs.length > 0 && (
        <Table.ScrollContainer minWidth={760}>
          <Table striped verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Time</Table.Th>
                <Table.Th>Job</Table.Th>
                <Table.Th>Event</Table.Th>
                <Table.Th>User</Table.Th>
                <Table.Th>Description</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {logs.data.logs.map((entry) => (
                <Table.Tr key={entry.id}>
                  <Table.Td style={{ verticalAlign: 'top' }}>
                    <Time iso={entry.created_time} />
                  </Table.Td>
                  <Table.Td style={{ verticalAlign: 'top', overflowWrap: 'anywhere' }}>
                    {entry.job_id ? (
                      <Anchor component={Link} to={`/jobs/${entry.job_id}`}>
                        {entry.job_name}
                      </Anchor>
                    ) : (
                      (entry.job_name ?? '—')
                    )}
                  </Table.Td>
                  <Table.Td style={{ verticalAlign: 'top' }}>{entry.event}</Table.Td>
                  <Table.Td style={{ verticalAlign: 'top' }}>{entry.user}</Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap', verticalAlign: 'top' }}>
                    <AuditDescription event={entry.event} text={entry.description} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
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
