import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Pagination,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { seesEveryone, useAuth } from '../auth';
import { JobActions } from '../components/JobActions';
import { JobDialog } from '../components/JobDialog';
import { Time } from '../components/Time';
import { scheduleInWords } from '../format';
import { useLiveOptions } from '../live/LiveProvider';

const PAGE_SIZE = 50;

export function JobsPage() {
  const auth = useAuth();
  const [creating, setCreating] = useState(false);
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const paused = params.get('paused') ?? '';
  const page = Number(params.get('page') ?? '1');
  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    if (!('page' in changes)) next.delete('page');
    setParams(next, { replace: true });
  };
  const jobs = useQuery({
    queryKey: ['jobs', q, paused, page],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/jobs', {
          params: {
            query: {
              ...(q ? { q } : {}),
              ...(paused ? { paused: paused === 'true' } : {}),
              limit: PAGE_SIZE,
              offset: (page - 1) * PAGE_SIZE,
            },
          },
        }),
      ),
    ...useLiveOptions({ on: ['job', 'execution'], poll: 5000 }),
  });
  const everyone = seesEveryone(auth);
  const total = jobs.data?.total ?? 0;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Jobs</Title>
        {auth.can('job_create') && <Button onClick={() => setCreating(true)}>New job</Button>}
      </Group>
      {creating && <JobDialog opened onClose={() => setCreating(false)} />}
      <Group>
        <TextInput
          placeholder="Search by name"
          aria-label="Search by name"
          value={q}
          onChange={(event) => set({ q: event.currentTarget.value })}
          w={260}
        />
        <Select
          aria-label="Paused"
          data={[
            { value: '', label: 'All jobs' },
            { value: 'false', label: 'Active only' },
            { value: 'true', label: 'Paused only' },
          ]}
          value={paused}
          onChange={(value) => set({ paused: value ?? '' })}
          w={160}
          allowDeselect={false}
        />
      </Group>
      {jobs.isError && <Alert color="red">{jobs.error.message}</Alert>}
      {jobs.data && jobs.data.jobs.length === 0 && (
        <Text c="dimmed">
          {q || paused
            ? 'No job matches these filters.'
            : auth.can('job_create')
              ? 'No jobs yet — New job.'
              : 'No jobs yet.'}
        </Text>
      )}
      {jobs.data && jobs.data.jobs.length > 0 && (
        <Table.ScrollContainer minWidth={760}>
          <Table striped highlightOnHover verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                {everyone && <Table.Th>Owner</Table.Th>}
                <Table.Th>Class</Table.Th>
                <Table.Th>Schedule</Table.Th>
                <Table.Th>Next run</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {jobs.data.jobs.map((job) => (
                <Table.Tr key={job.job_id}>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Anchor component={Link} to={`/jobs/${job.job_id}`}>
                        {job.name}
                      </Anchor>
                      {job.paused && (
                        <Badge size="xs" color="gray" style={{ flexShrink: 0 }}>
                          paused
                        </Badge>
                      )}
                      {job.suspended_reason && (
                        <Badge size="xs" color="red" title={job.suspended_reason} style={{ flexShrink: 0 }}>
                          suspended
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  {everyone && <Table.Td>{job.owner.username}</Table.Td>}
                  <Table.Td>{job.job_class_string}</Table.Td>
                  <Table.Td>{scheduleInWords(job)}</Table.Td>
                  <Table.Td>
                    <Time iso={job.next_run_time} />
                  </Table.Td>
                  <Table.Td>
                    <JobActions job={job} />
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
