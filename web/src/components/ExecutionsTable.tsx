import { Anchor, Button, Group, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, type Execution, unwrap } from '../api/client';
import { useAuth } from '../auth';
import { duration, triggerInWords } from '../format';
import { usePhone } from '../use-phone';
import { CardFact, RowCard, RowCards } from './RowCard';
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

/** The state as coloured text, linked to the execution's detail. */
function StateLink({ execution }: { execution: Execution }) {
  return (
    <Anchor component={Link} to={`/executions/${execution.execution_id}`} underline="never">
      <StateText state={execution.state} />
    </Anchor>
  );
}

/** " · manual" after a card's duration: what started the run. */
function TriggerAfter({ execution }: { execution: Execution }) {
  return (
    <Text span size="sm" c="dimmed" title="Trigger">
      {' '}
      · {triggerInWords(execution)}
    </Text>
  );
}

/**
 * Executions, newest first: job (link), state, times, and "Stop" on running ones for users with job_run.
 * A table on wider screens, one card per execution on a phone.
 */
export function ExecutionsTable({ executions, showJob = true }: { executions: Execution[]; showJob?: boolean }) {
  const auth = useAuth();
  const phone = usePhone();
  const mayStop = (execution: Execution) => execution.state === 'running' && auth.can('job_run');
  if (phone) {
    return (
      <RowCards>
        {executions.map((execution) => (
          <RowCard
            key={execution.execution_id}
            label={`${showJob ? `${execution.job.name}, ` : ''}${execution.state}`}
            title={
              showJob ? (
                <Anchor component={Link} to={`/jobs/${execution.job.job_id}`} fw={600}>
                  {execution.job.name}
                </Anchor>
              ) : (
                <StateLink execution={execution} />
              )
            }
            aside={
              showJob ? (
                <StateLink execution={execution} />
              ) : (
                <Text span size="sm" c="dimmed">
                  {triggerInWords(execution)}
                </Text>
              )
            }
            actions={
              mayStop(execution) && (
                <Group>
                  <StopButton execution={execution} />
                </Group>
              )
            }
          >
            <CardFact label="Scheduled">
              <Time iso={execution.scheduled_time} />
            </CardFact>
            {execution.finished_time || !execution.started_time ? (
              <CardFact label="Duration">
                {duration(execution.started_time, execution.finished_time)}
                {showJob && <TriggerAfter execution={execution} />}
              </CardFact>
            ) : (
              <CardFact label="Started">
                <Time iso={execution.started_time} />
                {showJob && <TriggerAfter execution={execution} />}
              </CardFact>
            )}
          </RowCard>
        ))}
      </RowCards>
    );
  }
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
                <StateLink execution={execution} />
              </Table.Td>
              <Table.Td>
                <Time iso={execution.scheduled_time} />
              </Table.Td>
              <Table.Td>{duration(execution.started_time, execution.finished_time)}</Table.Td>
              <Table.Td>{triggerInWords(execution)}</Table.Td>
              <Table.Td>{mayStop(execution) && <StopButton execution={execution} />}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
