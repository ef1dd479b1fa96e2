import { Alert, Anchor, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, type paths, unwrap } from '../api/client';
import { Time } from '../components/Time';
import { RANGES, rangeStart } from './ExecutionsPage';

const EXECUTION_ID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/;

/** A description as text; the execution a `custom_run` entry names becomes a link to it. */
function Description({ text }: { text: string }) {
  const match = /execution/.test(text) ? EXECUTION_ID.exec(text) : null;
  if (!match) return <>{text}</>;
  return (
    <>
      {text.slice(0, match.index)}
      <Anchor component={Link} to={`/executions/${match[0]}`}>
        {match[0]}
      </Anchor>
      {text.slice(match.index + match[0].length)}
    </>
  );
}

type AuditEvent = NonNullable<NonNullable<paths['/api/v1/logs']['get']['parameters']['query']>['event']>;
const EVENTS: AuditEvent[] = [
  'added',
  'modified',
  'deleted',
  'paused',
  'resumed',
  'custom_run',
  'login',
  'login_failed',
  'logout',
];

export function LogsPage() {
  const [params, setParams] = useSearchParams();
  const range = params.get('range') ?? '24h';
  const event = params.get('event') ?? '';
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  const logs = useQuery({
    queryKey: ['logs', range, event],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/logs', {
          params: {
            query: {
              time_range_start: rangeStart(range),
              limit: 200,
              ...(event ? { event: event as AuditEvent } : {}),
            },
          },
        }),
      ),
    refetchInterval: 5000,
  });
  return (
    <Stack>
      <Title order={2}>Audit logs</Title>
      <Group>
        <Select
          aria-label="Time range"
          data={RANGES}
          value={range}
          onChange={(value) => set('range', value ?? '24h')}
          w={180}
          allowDeselect={false}
        />
        <Select
          aria-label="Event"
          data={[{ value: '', label: 'Every event' }, ...EVENTS.map((name) => ({ value: name, label: name }))]}
          value={event}
          onChange={(value) => set('event', value ?? '')}
          w={180}
          allowDeselect={false}
        />
      </Group>
      {logs.isError && <Alert color="red">{logs.error.message}</Alert>}
      {logs.data && logs.data.logs.length === 0 && <Text c="dimmed">Nothing was changed in this range.</Text>}
      {logs.data && logs.data.logs.length > 0 && (
        <Table.ScrollContainer minWidth={720}>
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
                  <Table.Td>
                    <Time iso={entry.created_time} />
                  </Table.Td>
                  <Table.Td>
                    {entry.job_id ? (
                      <Anchor component={Link} to={`/jobs/${entry.job_id}`}>
                        {entry.job_name}
                      </Anchor>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                  <Table.Td>{entry.event}</Table.Td>
                  <Table.Td>{entry.user}</Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>
                    <Description text={entry.description} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
