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
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, type paths, type Schemas, unwrap } from '../api/client';
import { seesEveryone, useAuth } from '../auth';
import { JobActions, type JobEditor, useJobEditor } from '../components/JobActions';
import { JobDialog } from '../components/JobDialog';
import { CardFact, RowCard, RowCards } from '../components/RowCard';
import { StateText } from '../components/StateText';
import { Time } from '../components/Time';
import { localTime, scheduleInWords } from '../format';
import { ariaSort, nextSort } from '../sorting';
import { useLiveOptions } from '../live/LiveProvider';
import { usePhone } from '../use-phone';

const PAGE_SIZE = 50;
/** A row of the list: a job with its last execution. */
type Job = Schemas['JobListItemResponse'];
type JobSort = NonNullable<NonNullable<paths['/api/v1/jobs']['get']['parameters']['query']>['sort']>;
const SORTS: readonly string[] = [
  'name',
  'job_class_string',
  'next_run_time',
  'owner',
  'created_time',
] satisfies JobSort[];

/** The orders of the "Sort by" choice (for screens too narrow for every sortable column). */
const SORT_CHOICES = [
  { value: 'name', label: 'Name, A to Z' },
  { value: '-name', label: 'Name, Z to A' },
  { value: 'job_class_string', label: 'Class, A to Z' },
  { value: '-job_class_string', label: 'Class, Z to A' },
  { value: 'next_run_time', label: 'Next run, soonest first' },
  { value: '-next_run_time', label: 'Next run, latest first' },
  { value: 'owner', label: 'Owner, A to Z' },
  { value: '-owner', label: 'Owner, Z to A' },
  { value: '-created_time', label: 'Newest first' },
  { value: 'created_time', label: 'Oldest first' },
] satisfies Array<{ value: JobSort; label: string }>;

/** A column header that sorts the list (by the server) when clicked; `aria-sort` says how it is sorted. */
function SortableTh({
  column,
  sort,
  onSort,
  children,
  visibleFrom,
}: {
  column: string;
  sort: string;
  onSort: (sort: string) => void;
  children: ReactNode;
  visibleFrom?: 'md' | 'xl';
}) {
  const state = ariaSort(sort, column);
  return (
    <Table.Th aria-sort={state} visibleFrom={visibleFrom} style={{ whiteSpace: 'nowrap' }}>
      <UnstyledButton onClick={() => onSort(nextSort(sort, column))} fw={700} fz="sm">
        {children}
        <span aria-hidden style={{ marginLeft: 4, opacity: state === 'none' ? 0.3 : 1 }}>
          {state === 'descending' ? '▼' : '▲'}
        </span>
      </UnstyledButton>
    </Table.Th>
  );
}

/** "paused" and "suspended" beside a job's name. */
function JobBadges({ job }: { job: Job }) {
  return (
    <>
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
    </>
  );
}

/** The last execution's state, linked to it, or "never ran". */
function LastRun({ job }: { job: Job }) {
  if (!job.last_execution) {
    return (
      <Text span size="sm" c="dimmed">
        never ran
      </Text>
    );
  }
  return (
    <Anchor
      component={Link}
      to={`/executions/${job.last_execution.execution_id}`}
      underline="never"
      title={`Scheduled ${localTime(job.last_execution.scheduled_time)}`}
    >
      <StateText state={job.last_execution.state} />
    </Anchor>
  );
}

/** A job on a phone: name and badges, last run at the top right, schedule, next run, owner, then its actions. */
function JobCard({ job, everyone, editor }: { job: Job; everyone: boolean; editor: JobEditor }) {
  return (
    <RowCard
      label={job.name}
      title={
        <Group gap={6}>
          <Anchor component={Link} to={`/jobs/${job.job_id}`} fw={600} style={{ overflowWrap: 'anywhere' }}>
            {job.name}
          </Anchor>
          <JobBadges job={job} />
        </Group>
      }
      aside={<LastRun job={job} />}
      actions={<JobActions job={job} editor={editor} />}
    >
      <Text size="sm">
        {scheduleInWords(job)}
        <Text span size="sm" c="dimmed">
          {' '}
          · {job.job_class_string}
        </Text>
      </Text>
      <CardFact label="Next run">
        <Time iso={job.next_run_time} />
      </CardFact>
      {everyone && <CardFact label="Owner">{job.owner.username}</CardFact>}
    </RowCard>
  );
}

export function JobsPage() {
  const auth = useAuth();
  const [creating, setCreating] = useState(false);
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const paused = params.get('paused') ?? '';
  const ownerId = params.get('owner') ?? '';
  const requestedSort = params.get('sort') ?? 'name';
  const sort = SORTS.includes(requestedSort.replace(/^-/, '')) ? requestedSort : 'name';
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const everyone = seesEveryone(auth);
  const phone = usePhone();
  const editor = useJobEditor();
  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    if (!('page' in changes)) next.delete('page');
    setParams(next, { replace: true });
  };
  const owners = useQuery({
    queryKey: ['jobs', 'owners'],
    enabled: everyone,
    queryFn: async () => unwrap(await api.GET('/api/v1/jobs/owners')),
  });
  const jobs = useQuery({
    queryKey: ['jobs', q, paused, everyone ? ownerId : '', sort, page],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/jobs', {
          params: {
            query: {
              ...(q ? { q } : {}),
              ...(paused ? { paused: paused === 'true' } : {}),
              ...(everyone && ownerId ? { owner_id: ownerId } : {}),
              ...(sort !== 'name' ? { sort: sort as JobSort } : {}),
              limit: PAGE_SIZE,
              offset: (page - 1) * PAGE_SIZE,
            },
          },
        }),
      ),
    ...useLiveOptions({ on: ['job', 'execution'], poll: 5000 }),
  });
  const total = jobs.data?.total ?? 0;
  const filtered = q !== '' || paused !== '' || (everyone && ownerId !== '');
  const onSort = (next: string) => set({ sort: next === 'name' ? '' : next });
  const tableWidth = everyone ? 900 : 800;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Jobs</Title>
        {auth.can('job_create') && <Button onClick={() => setCreating(true)}>New job</Button>}
      </Group>
      {creating && <JobDialog opened onClose={() => setCreating(false)} />}
      {editor.dialog}
      <Group>
        <TextInput
          placeholder="Search by name"
          aria-label="Search by name"
          value={q}
          onChange={(event) => set({ q: event.currentTarget.value })}
          w={{ base: '100%', xs: 260 }}
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
          w={{ base: '100%', xs: 160 }}
          allowDeselect={false}
        />
        {everyone && (
          <Select
            aria-label="Owner"
            placeholder="Every owner"
            data={[
              { value: '', label: 'Every owner' },
              ...(owners.data?.owners ?? []).map((owner) => ({
                value: owner.id,
                label: `${owner.username} (${owner.jobs})`,
              })),
            ]}
            value={ownerId}
            onChange={(value) => set({ owner: value ?? '' })}
            searchable
            nothingFoundMessage="No such owner"
            w={{ base: '100%', xs: 220 }}
            allowDeselect={false}
          />
        )}
        <Select
          aria-label="Sort by"
          hiddenFrom="xl"
          data={SORT_CHOICES.filter((choice) => everyone || !choice.value.endsWith('owner'))}
          value={sort}
          onChange={(value) => onSort(value ?? 'name')}
          w={{ base: '100%', xs: 200 }}
          allowDeselect={false}
        />
      </Group>
      {owners.isError && <Alert color="red">{owners.error.message}</Alert>}
      {jobs.isError && <Alert color="red">{jobs.error.message}</Alert>}
      {jobs.data && jobs.data.jobs.length === 0 && (
        <Text c="dimmed">
          {filtered
            ? 'No job matches these filters — change the search or show every job.'
            : auth.can('job_create')
              ? 'No jobs yet — New job creates the first one.'
              : 'No jobs yet — someone with the job_create permission can create them.'}
        </Text>
      )}
      {phone && jobs.data && jobs.data.jobs.length > 0 && (
        <RowCards>
          {jobs.data.jobs.map((job) => (
            <JobCard key={job.job_id} job={job} everyone={everyone} editor={editor} />
          ))}
        </RowCards>
      )}
      {!phone && jobs.data && jobs.data.jobs.length > 0 && (
        <Table.ScrollContainer minWidth={tableWidth}>
          <Table striped highlightOnHover verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <SortableTh column="name" sort={sort} onSort={onSort}>
                  Name
                </SortableTh>
                {everyone && (
                  <SortableTh column="owner" sort={sort} onSort={onSort}>
                    Owner
                  </SortableTh>
                )}
                <SortableTh column="job_class_string" sort={sort} onSort={onSort}>
                  Class
                </SortableTh>
                <Table.Th>Schedule</Table.Th>
                <SortableTh column="next_run_time" sort={sort} onSort={onSort}>
                  Next run
                </SortableTh>
                <Table.Th>Last run</Table.Th>
                <SortableTh column="created_time" sort={sort} onSort={onSort} visibleFrom="xl">
                  Created
                </SortableTh>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {jobs.data.jobs.map((job) => (
                <Table.Tr key={job.job_id}>
                  <Table.Td miw={160}>
                    <Group gap={6}>
                      <Anchor component={Link} to={`/jobs/${job.job_id}`} style={{ overflowWrap: 'anywhere' }}>
                        {job.name}
                      </Anchor>
                      <JobBadges job={job} />
                    </Group>
                  </Table.Td>
                  {everyone && <Table.Td style={{ whiteSpace: 'nowrap' }}>{job.owner.username}</Table.Td>}
                  <Table.Td>{job.job_class_string}</Table.Td>
                  <Table.Td>{scheduleInWords(job)}</Table.Td>
                  <Table.Td>
                    <Time iso={job.next_run_time} wrap />
                  </Table.Td>
                  <Table.Td>
                    <LastRun job={job} />
                  </Table.Td>
                  <Table.Td visibleFrom="xl">
                    <Time iso={job.created_time} />
                  </Table.Td>
                  <Table.Td>
                    <JobActions job={job} editor={editor} inTable />
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
