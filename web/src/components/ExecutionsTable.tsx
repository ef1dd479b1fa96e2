import { Anchor, Button, Table } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, type Execution, unwrap } from '../api/client';
import { useAuth } from '../auth';
import { duration } from '../format';
import { StateText } from './StateText';
import { Time } from './Time';

function StopButton({ execution }: { execution: Execution }) {
  const queryClient = useQueryClient();
  const stop = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/executions/{execution_id}/stop', {
          params: { path: { execution_id: execution.execution_id } },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries(),
    onError: (error) => notifications.show({ title: 'Not stopped', message: error.message, color: 'red' }),
  });
  return (
    <Button size="xs" variant="light" color="red" loading={stop.isPending} onClick={() => stop.mutate()}>
      Stop
    </Button>
  );
}

/** Executions, newest first: job (link), state, times, and "Stop" on running ones for users with job_run. */
export function ExecutionsTable({ executions, showJob = true }: { executions: Execution[]; showJob?: boolean }) {
  const auth = useAuth();
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table striped highlightOnHover verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            {showJob && <Table.Th>Job</Table.Th>}
            <Table.Th>State</Table.Th>
            <Table.Th>Scheduled</Table.Th>
            <Table.Th>Duration</Table.Th>
            <Table.Th>Trigger</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {executions.map((execution) => (
            <Table.Tr key={execution.execution_id}>
              {showJob && (
                <Table.Td>
                  <Anchor component={Link} to={`/jobs/${execution.job.job_id}`}>
                    {execution.job.name}
                  </Anchor>
                </Table.Td>
              )}
              <Table.Td>
                <Anchor component={Link} to={`/executions/${execution.execution_id}`} underline="never">
                  <StateText state={execution.state} />
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Time iso={execution.scheduled_time} />
              </Table.Td>
              <Table.Td>{duration(execution.started_time, execution.finished_time)}</Table.Td>
              <Table.Td>{execution.trigger}</Table.Td>
              <Table.Td>
                {execution.state === 'running' && auth.can('job_run') && <StopButton execution={execution} />}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
