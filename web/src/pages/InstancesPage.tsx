import { Alert, Group, Stack, Switch, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { SchedulerSwitchCard, useSchedulerState } from '../components/SchedulerSwitch';
import { Time } from '../components/Time';
import { ago } from '../relative-time';
import { useNow } from '../use-now';
import { usePhone } from '../use-phone';

const STATUS_COLOURS = { alive: 'teal', stale: 'orange', stopped: 'gray' } as const;

/** The instances sharing the database (admins only): heartbeat age, version, what each runs now. */
export function InstancesPage() {
  const [params, setParams] = useSearchParams();
  const all = params.get('all') === 'true';
  const now = useNow(1000);
  const phone = usePhone();
  const instances = useQuery({
    queryKey: ['instances', all],
    queryFn: async () => {
      const data = unwrap(await api.GET('/api/v1/instances', { params: { query: { all } } }));
      return { ...data, fetchedAt: Date.now() };
    },
    refetchInterval: 5000,
  });
  const held = new Set(useSchedulerState().data?.start_paused_instances ?? []);
  const data = instances.data;
  const sinceFetch = data ? Math.max(0, (now - data.fetchedAt) / 1000) : 0;
  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Instances</Title>
          <Text size="sm" c="dimmed">
            The Cronwarden processes sharing this database. One whose heartbeat stops is marked stale, and its running
            executions are marked failed.
          </Text>
        </div>
        <Switch
          label="Include stopped"
          checked={all}
          onChange={(event) => setParams(event.currentTarget.checked ? { all: 'true' } : {}, { replace: true })}
        />
      </Group>
      <SchedulerSwitchCard />
      {instances.isError && <Alert color="red">{instances.error.message}</Alert>}
      {!data && !instances.isError && <Text c="dimmed">Loading…</Text>}
      {data && data.instances.length === 0 && <Text c="dimmed">No instance is running — this one should be.</Text>}
      {data && data.instances.length > 0 && (
        <Table.ScrollContainer minWidth={phone ? 0 : 760}>
          <Table striped verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Host</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Heartbeat</Table.Th>
                <Table.Th>Running</Table.Th>
                {!phone && <Table.Th>Version</Table.Th>}
                {!phone && <Table.Th>Started</Table.Th>}
                {!phone && <Table.Th>PID</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.instances.map((instance) => (
                <Table.Tr key={instance.instance_id} data-status={instance.status}>
                  <Table.Td>
                    <Text size="sm" title={instance.instance_id} style={{ whiteSpace: 'nowrap' }}>
                      {instance.hostname}
                    </Text>
                    {instance.current && (
                      <Text size="xs" c="blue" style={{ whiteSpace: 'nowrap' }}>
                        answering you
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text component="span" size="sm" fw={600} c={STATUS_COLOURS[instance.status]}>
                      {instance.status}
                    </Text>
                    {held.has(instance.instance_id) && (
                      <Text size="xs" c="orange" style={{ whiteSpace: 'nowrap' }} title="SCHEDULER_START_PAUSED">
                        started paused
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    {instance.status === 'stopped' ? (
                      <Text size="sm" c="dimmed">
                        stopped <Time iso={instance.stopped_time} />
                      </Text>
                    ) : (
                      <Text
                        size="sm"
                        c={instance.status === 'stale' ? 'orange' : undefined}
                        fw={instance.status === 'stale' ? 600 : undefined}
                      >
                        {ago(instance.heartbeat_age_seconds + sinceFetch)}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{instance.running_executions}</Table.Td>
                  {!phone && <Table.Td>{instance.version || '—'}</Table.Td>}
                  {!phone && (
                    <Table.Td>
                      <Time iso={instance.started_time} />
                    </Table.Td>
                  )}
                  {!phone && <Table.Td>{instance.pid}</Table.Td>}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
