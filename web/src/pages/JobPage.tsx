import { Alert, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { ExecutionsTable } from '../components/ExecutionsTable';
import { JobActions } from '../components/JobActions';
import { Time } from '../components/Time';
import { scheduleInWords } from '../format';

function Setting({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
        {children}
      </Text>
    </div>
  );
}

export function JobPage() {
  const { jobId = '' } = useParams();
  const navigate = useNavigate();
  const job = useQuery({
    queryKey: ['job', jobId],
    queryFn: async () => unwrap(await api.GET('/api/v1/jobs/{job_id}', { params: { path: { job_id: jobId } } })),
    refetchInterval: 5000,
  });
  const since = new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString();
  const executions = useQuery({
    queryKey: ['executions', 'job', jobId],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/executions', {
          params: { query: { job_id: jobId, time_range_start: since, limit: 20 } },
        }),
      ),
    refetchInterval: 3000,
  });
  if (job.isError) return <Alert color="red">{job.error.message}</Alert>;
  if (!job.data) return <Text c="dimmed">Loading…</Text>;
  const data = job.data;
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <Title order={2} style={{ overflowWrap: 'anywhere' }}>
          {data.name}
        </Title>
        <JobActions job={data} onDeleted={() => void navigate('/jobs')} />
      </Group>
      {data.suspended_reason && <Alert color="red">Suspended: {data.suspended_reason}</Alert>}
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }}>
          <Setting label="Job class">{data.job_class_string}</Setting>
          <Setting label="Schedule">{scheduleInWords(data)}</Setting>
          <Setting label="Next run">{data.paused ? 'paused' : <Time iso={data.next_run_time} />}</Setting>
          <Setting label="Arguments">{JSON.stringify(data.pub_args)}</Setting>
          <Setting label="Owner">{data.owner.username}</Setting>
          <Setting label="Limits">
            {data.max_instances} at once, timeout {data.timeout_seconds} s, misfire grace {data.misfire_grace_seconds} s
            {data.coalesce ? ', coalesce' : ''}
          </Setting>
        </SimpleGrid>
      </Card>
      <Title order={3}>Recent executions</Title>
      {executions.data && executions.data.executions.length === 0 && (
        <Text c="dimmed">No execution in the last 7 days.</Text>
      )}
      {executions.data && executions.data.executions.length > 0 && (
        <ExecutionsTable executions={executions.data.executions} showJob={false} />
      )}
    </Stack>
  );
}
