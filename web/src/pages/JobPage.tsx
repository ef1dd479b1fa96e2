import { Alert, Anchor, Box, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { parseChanges } from '../audit-changes';
import { useAuth } from '../auth';
import { AuditDescription } from '../components/AuditDescription';
import { ExecutionsTable } from '../components/ExecutionsTable';
import { Field } from '../components/Field';
import { JobActions, useJobEditor } from '../components/JobActions';
import { ResultsChart } from '../components/ResultsChart';
import { Time } from '../components/Time';
import { useIsAdmin, Webhooks } from '../components/Webhooks';
import { retriesInWords, scheduleInWords } from '../format';
import { previewBodyOf } from '../job-form';
import { resultSeries } from '../result-series';
import { useLiveOptions } from '../live/LiveProvider';

export function JobPage() {
  const { jobId = '' } = useParams();
  const navigate = useNavigate();
  const auth = useAuth();
  const editor = useJobEditor();
  const admin = useIsAdmin();
  const job = useQuery({
    queryKey: ['job', jobId],
    queryFn: async () => unwrap(await api.GET('/api/v1/jobs/{job_id}', { params: { path: { job_id: jobId } } })),
    // A fire moves next_run_time: executions of this job refresh it too.
    ...useLiveOptions({ on: ['job', 'execution'], jobId, poll: 5000 }),
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
    ...useLiveOptions({ on: ['execution'], jobId, poll: 3000 }),
  });
  // The chart's data: the results of the last 7 days' succeeded runs (up to 200).
  const results = useQuery({
    queryKey: ['executions', 'job', jobId, 'results'],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/executions', {
          params: { query: { job_id: jobId, time_range_start: since, state: 'succeeded', limit: 200 } },
        }),
      ),
    ...useLiveOptions({ on: ['execution'], jobId, poll: 10_000 }),
  });
  const series = resultSeries(results.data?.executions ?? []);
  const fires = useQuery({
    queryKey: ['preview', 'job', jobId, job.data?.updated_time],
    // A date job that ran has nothing more to show.
    enabled: job.data !== undefined && !job.data.paused && job.data.next_run_time !== null,
    retry: false,
    queryFn: async () =>
      unwrap(await api.POST('/api/v1/jobs/preview', { body: previewBodyOf(job.data as NonNullable<typeof job.data>) })),
  });
  const trail = useQuery({
    queryKey: ['logs', 'job', jobId],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/logs', { params: { query: { job_id: jobId, time_range_start: since, limit: 20 } } }),
      ),
    // Run-now and every change of the job add an entry.
    ...useLiveOptions({ on: ['job', 'execution'], jobId, poll: 10_000 }),
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
        <JobActions job={data} editor={editor} onDeleted={() => void navigate('/jobs')} />
      </Group>
      {editor.dialog}
      {data.suspended_reason && <Alert color="red">Suspended: {data.suspended_reason}</Alert>}
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }}>
          <Field label="Job class">{data.job_class_string}</Field>
          <Field label="Schedule">{scheduleInWords(data)}</Field>
          <Field label="Next run">
            {data.paused ? (
              'paused'
            ) : data.next_run_time === null && data.trigger === 'date' ? (
              'none: it ran at its run date (edit the run date to run it again)'
            ) : (
              <Time iso={data.next_run_time} />
            )}
          </Field>
          <Field label="Arguments">{JSON.stringify(data.pub_args)}</Field>
          <Field label="Owner">{data.owner.username}</Field>
          <Field label="Limits">
            {data.max_instances} at once, timeout {data.timeout_seconds} s, misfire grace {data.misfire_grace_seconds} s
            {data.coalesce ? ', coalesce' : ''}
            {data.jitter_seconds > 0 ? `, jitter up to ${data.jitter_seconds} s` : ''}
          </Field>
          <Field label="Retries">{retriesInWords(data)}</Field>
        </SimpleGrid>
      </Card>
      {fires.data && fires.data.next_run_times.length > 0 && (
        <Card withBorder>
          <Text size="xs" c="dimmed" mb={4}>
            Next fires
          </Text>
          <Group gap="lg">
            {fires.data.next_run_times.map((time) => (
              <Text size="sm" key={time}>
                <Time iso={time} />
              </Text>
            ))}
          </Group>
        </Card>
      )}
      <Group justify="space-between">
        <Title order={3}>Recent executions</Title>
        <Anchor component={Link} to={`/executions?job=${jobId}&range=7d`} size="sm">
          All of its executions
        </Anchor>
      </Group>
      {executions.data && executions.data.executions.length === 0 && (
        <Text c="dimmed">
          {data.paused
            ? 'No execution in the last 7 days — it is paused; resume it, or run it now.'
            : auth.can('job_run')
              ? 'No execution in the last 7 days — it runs at its next fire time, or now with Run now.'
              : 'No execution in the last 7 days — it runs at its next fire time.'}
        </Text>
      )}
      {executions.data && executions.data.executions.length > 0 && (
        <ExecutionsTable executions={executions.data.executions} showJob={false} />
      )}
      {series.length > 0 && <ResultsChart series={series} />}
      {auth.can('job_view') && (
        <Webhooks job={{ id: data.job_id, name: data.name }} mayAdd={admin || data.owner.id === auth.me?.id} />
      )}
      <Title order={3}>Audit trail</Title>
      {trail.data && trail.data.logs.length === 0 && (
        <Text c="dimmed">No change in the last 7 days — edits, pauses, resumes and runs now are recorded here.</Text>
      )}
      {trail.data && trail.data.logs.length > 0 && (
        <Stack gap={6}>
          {trail.data.logs.map((entry) => {
            const changes = entry.event === 'modified' ? parseChanges(entry.description) : null;
            return (
              <Box key={entry.id} style={{ overflowWrap: 'anywhere' }}>
                <Text size="sm">
                  <Time iso={entry.created_time} /> — <b>{entry.event}</b> by {entry.user}
                  {changes ? ':' : ': '}
                  {!changes && <AuditDescription event={entry.event} text={entry.description} />}
                </Text>
                {changes && (
                  <Box pl="md">
                    <AuditDescription event={entry.event} text={entry.description} />
                  </Box>
                )}
              </Box>
            );
          })}
        </Stack>
      )}
    </Stack>
  );
}
