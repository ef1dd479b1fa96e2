import { Alert, Badge, Button, Card, Group, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLocation } from 'react-router';
import { api, type Schemas, unwrap } from '../api/client';
import { useAuth } from '../auth';
import { Time } from './Time';

type SchedulerState = Schemas['SchedulerStateResponse'];

const SCHEDULER_KEY = ['scheduler'] as const;

/** The shared scheduler switch (any signed-in user may read it), re-read every 10 s. */
export function useSchedulerState() {
  return useQuery({
    queryKey: SCHEDULER_KEY,
    queryFn: async () => unwrap(await api.GET('/api/v1/scheduler')),
    refetchInterval: 10_000,
  });
}

/** Pause or resume the scheduler on every instance (admins only). */
function useSchedulerAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (action: 'pause' | 'resume') =>
      unwrap(
        action === 'pause' ? await api.POST('/api/v1/scheduler/pause') : await api.POST('/api/v1/scheduler/resume'),
      ),
    onSuccess: (state) => {
      queryClient.setQueryData(SCHEDULER_KEY, state);
      void queryClient.invalidateQueries({ queryKey: ['instances'] });
      notifications.show({
        message: state.paused ? 'Scheduler paused on every instance' : 'Scheduler resumed on every instance',
        color: 'teal',
      });
    },
    onError: (error: Error) => notifications.show({ title: 'Not done', message: error.message, color: 'red' }),
  });
}

function PausedBy({ state }: { state: SchedulerState }) {
  return (
    <>
      Paused by <b>{state.paused_by?.username ?? 'an operator'}</b> <Time iso={state.paused_time} />.
    </>
  );
}

/** Shown to everyone above every page while the scheduler is paused; admins get the resume button in it. */
export function SchedulerBanner() {
  const auth = useAuth();
  const location = useLocation();
  // On the Instances page the switch's own card has the button.
  const offersResume = (auth.me?.roles ?? []).includes('admin') && !location.pathname.startsWith('/instances');
  const state = useSchedulerState();
  const action = useSchedulerAction();
  if (!state.data?.paused) return null;
  return (
    <Alert color="yellow" title="The scheduler is paused" mb="md" role="status" aria-label="The scheduler is paused">
      <Group justify="space-between" align="center" gap="xs">
        <Text size="sm" style={{ flex: 1, minWidth: 240 }}>
          <PausedBy state={state.data} /> No job fires and run now is refused until an admin resumes it; running
          executions go on.
        </Text>
        {offersResume && (
          <Button size="xs" color="yellow" loading={action.isPending} onClick={() => action.mutate('resume')}>
            Resume scheduler
          </Button>
        )}
      </Group>
    </Alert>
  );
}

/** The switch itself, for admins (on the Instances page): state, who paused it and when, and the button. */
export function SchedulerSwitchCard() {
  const state = useSchedulerState();
  const action = useSchedulerAction();
  const data = state.data;
  const held = data?.start_paused_instances ?? [];
  return (
    <Card withBorder padding="md" aria-label="Scheduler switch">
      <Group justify="space-between" align="flex-start" gap="sm">
        <Stack gap={4} style={{ flex: 1, minWidth: 220 }}>
          <Group gap="xs">
            <Title order={4}>Scheduler</Title>
            {data && (
              <Badge color={data.paused ? 'yellow' : 'teal'} variant="light">
                {data.paused ? 'paused' : 'running'}
              </Badge>
            )}
          </Group>
          {state.isError && <Text c="red">{state.error.message}</Text>}
          {data && (
            <Text size="sm" c="dimmed">
              {data.paused ? (
                <>
                  <PausedBy state={data} /> No instance starts a fire and run now is refused. On resume, fires missed
                  meanwhile follow each job&apos;s misfire grace and coalesce settings.
                </>
              ) : (
                'Every instance fires jobs. Pausing stops all of them within 2 seconds; running executions go on.'
              )}
            </Text>
          )}
          {held.length > 0 && (
            <Text size="sm" c="orange">
              {held.length === 1 ? '1 instance' : `${held.length} instances`} started with SCHEDULER_START_PAUSED
              {held.length === 1 ? ' fires' : ' fire'} nothing until you resume.
            </Text>
          )}
        </Stack>
        {data &&
          (data.paused || held.length > 0 ? (
            <Button color="teal" loading={action.isPending} onClick={() => action.mutate('resume')}>
              Resume scheduler
            </Button>
          ) : (
            <Button color="yellow" loading={action.isPending} onClick={() => action.mutate('pause')}>
              Pause scheduler
            </Button>
          ))}
      </Group>
    </Card>
  );
}
