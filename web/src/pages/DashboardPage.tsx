import { Alert, Anchor, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { api, type Schemas, unwrap } from '../api/client';
import { useLiveOptions } from '../live/LiveProvider';
import { seesEveryone, useAuth } from '../auth';
import { StateText } from '../components/StateText';
import { Time } from '../components/Time';
import { STATE_COLOURS } from '../format';
import { fromNow } from '../relative-time';
import { useNow } from '../use-now';

type Dashboard = Schemas['DashboardResponse'];
type StateCounts = Schemas['DashboardStateCountsResponse'];

/** The browser's zone: "today" on the dashboard is the user's day. */
const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** The states with a card of their own; the others are summed up in one line when they occur. */
const CARD_STATES = [
  ['succeeded', 'Succeeded'],
  ['failed', 'Failed'],
  ['timeout', 'Timed out'],
  ['running', 'Running'],
] as const;

function StatCard({
  label,
  value,
  colour,
  to,
  note,
}: {
  label: string;
  value: number;
  colour?: string;
  to?: string;
  note?: ReactNode;
}) {
  const figure = (
    <Text fz={28} fw={700} lh={1.1} c={value > 0 ? colour : 'dimmed'}>
      {value}
    </Text>
  );
  return (
    <Card withBorder padding="sm" aria-label={`${label}: ${value}`} role="group">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      {to ? (
        <Anchor component={Link} to={to} underline="never">
          {figure}
        </Anchor>
      ) : (
        figure
      )}
      {note && (
        <Text size="xs" c="dimmed">
          {note}
        </Text>
      )}
    </Card>
  );
}

function Section({ title, count, children }: { title: string; count?: number; children: ReactNode }) {
  return (
    <Card withBorder padding="md">
      <Group justify="space-between" mb="xs" wrap="nowrap">
        <Title order={3} size="h4">
          {title}
        </Title>
        {count !== undefined && count > 0 && (
          <Text size="sm" c="dimmed">
            {count}
          </Text>
        )}
      </Group>
      <Stack gap={6}>{children}</Stack>
    </Card>
  );
}

function Empty({ children }: { children: ReactNode }) {
  return (
    <Text size="sm" c="dimmed">
      {children}
    </Text>
  );
}

/** One line of a list: the main link on the left, details on the right, wrapping on phones. */
function Row({ children, aside }: { children: ReactNode; aside: ReactNode }) {
  return (
    <Group justify="space-between" gap="xs" wrap="wrap" role="listitem">
      <div style={{ minWidth: 0, overflowWrap: 'anywhere' }}>{children}</div>
      <Group gap="xs" wrap="nowrap">
        {aside}
      </Group>
    </Group>
  );
}

function More({ shown, total, to }: { shown: number; total: number; to: string }) {
  if (total <= shown) return null;
  return (
    <Anchor component={Link} to={to} size="sm">
      {total - shown} more…
    </Anchor>
  );
}

export function DashboardPage() {
  const auth = useAuth();
  const now = useNow(1000);
  const dashboard = useQuery({
    queryKey: ['dashboard', BROWSER_ZONE],
    queryFn: async (): Promise<Dashboard> =>
      unwrap(await api.GET('/api/v1/dashboard', { params: { query: { timezone: BROWSER_ZONE } } })),
    ...useLiveOptions({ on: ['job', 'execution'], poll: 5000 }),
  });
  const everyone = seesEveryone(auth);
  if (dashboard.isError) {
    return (
      <Stack>
        <Title order={2}>Dashboard</Title>
        <Alert color="red">{dashboard.error.message}</Alert>
      </Stack>
    );
  }
  const data = dashboard.data;
  const runs: StateCounts | null = data?.runs_today ?? null;
  const runsTotal = runs ? Object.values(runs).reduce((sum, count) => sum + count, 0) : 0;
  const others = runs
    ? Object.entries<number>(runs).filter(
        ([state, count]) => count > 0 && !CARD_STATES.some(([shown]) => shown === state),
      )
    : [];
  return (
    <Stack>
      <div>
        <Title order={2}>Dashboard</Title>
        <Text size="sm" c="dimmed">
          {everyone ? 'Every user’s jobs' : 'Your jobs'}
          {data && <> · today counts from midnight ({data.timezone})</>}
        </Text>
      </div>
      {!data && <Text c="dimmed">Loading…</Text>}
      {data && (
        <>
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="sm">
            <StatCard
              label="Jobs"
              value={data.jobs.total}
              colour="dark"
              to="/jobs"
              note={data.jobs.paused > 0 ? `${data.jobs.paused} paused` : 'none paused'}
            />
            {runs && <StatCard label="Runs today" value={runsTotal} colour="dark" to="/executions?range=24h" />}
            {runs &&
              CARD_STATES.map(([state, label]) => (
                <StatCard
                  key={state}
                  label={label}
                  value={runs[state]}
                  colour={STATE_COLOURS[state]}
                  to={`/executions?range=24h&state=${state}`}
                />
              ))}
          </SimpleGrid>
          {others.length > 0 && (
            <Text size="sm" c="dimmed">
              Also today:{' '}
              {others.map(([state, count], index) => (
                <span key={state}>
                  {index > 0 && ', '}
                  {count} <StateText state={state} />
                </span>
              ))}
            </Text>
          )}
          {!data.executions_visible && (
            <Alert color="gray">Runs, failures and running executions need the execution_view permission.</Alert>
          )}
          <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
            {data.running && (
              <Section title="Running now" count={data.running.total}>
                <div role="list" aria-label="Running now">
                  {data.running.executions.length === 0 && <Empty>Nothing is running right now.</Empty>}
                  {data.running.executions.map((execution) => (
                    <Row
                      key={execution.execution_id}
                      aside={
                        <Anchor component={Link} to={`/executions/${execution.execution_id}`} size="sm">
                          {execution.started_time
                            ? `for ${fromNow(execution.started_time, now).replace(' ago', '')}`
                            : 'starting'}
                        </Anchor>
                      }
                    >
                      <Anchor component={Link} to={`/jobs/${execution.job.job_id}`} size="sm">
                        {execution.job.name}
                      </Anchor>
                    </Row>
                  ))}
                </div>
                <More
                  shown={data.running.executions.length}
                  total={data.running.total}
                  to="/executions?state=running&range=7d"
                />
              </Section>
            )}
            {data.failures_24h && (
              <Section title="Failures in the last 24 h" count={data.failures_24h.total}>
                <div role="list" aria-label="Failures in the last 24 h">
                  {data.failures_24h.executions.length === 0 && <Empty>No failures in the last 24 hours.</Empty>}
                  {data.failures_24h.executions.map((execution) => (
                    <Row
                      key={execution.execution_id}
                      aside={
                        <>
                          <Anchor component={Link} to={`/executions/${execution.execution_id}`} underline="never">
                            <StateText state={execution.state} />
                          </Anchor>
                          <Text size="sm" c="dimmed">
                            <Time iso={execution.scheduled_time} />
                          </Text>
                        </>
                      }
                    >
                      <Anchor component={Link} to={`/executions/${execution.execution_id}`} size="sm">
                        {execution.job.name}
                      </Anchor>
                    </Row>
                  ))}
                </div>
                <More
                  shown={data.failures_24h.executions.length}
                  total={data.failures_24h.total}
                  to="/executions?state=failed&range=24h"
                />
              </Section>
            )}
            <Section title="Next fires" count={data.upcoming.total}>
              <div role="list" aria-label="Next fires">
                {data.upcoming.jobs.length === 0 && (
                  <Empty>
                    Nothing fires in the next 24 hours
                    {auth.can('job_create') ? (
                      <>
                        {' '}
                        —{' '}
                        <Anchor component={Link} to="/jobs" size="sm">
                          New job
                        </Anchor>
                      </>
                    ) : (
                      '.'
                    )}
                  </Empty>
                )}
                {data.upcoming.jobs.map((job) => (
                  <Row
                    key={job.job_id}
                    aside={
                      <>
                        <Text size="sm" fw={500}>
                          {fromNow(job.next_run_time, now)}
                        </Text>
                        <Text size="sm" c="dimmed" visibleFrom="xs">
                          <Time iso={job.next_run_time} />
                        </Text>
                      </>
                    }
                  >
                    <Anchor component={Link} to={`/jobs/${job.job_id}`} size="sm">
                      {job.name}
                    </Anchor>
                  </Row>
                ))}
              </div>
              <More shown={data.upcoming.jobs.length} total={data.upcoming.total} to="/jobs" />
            </Section>
            {data.failing_jobs && (
              <Section title="Last run failed" count={data.failing_jobs.total}>
                <div role="list" aria-label="Last run failed">
                  {data.failing_jobs.jobs.length === 0 && <Empty>Every job’s last run went through.</Empty>}
                  {data.failing_jobs.jobs.map((job) => (
                    <Row
                      key={job.job_id}
                      aside={
                        <>
                          <Anchor component={Link} to={`/executions/${job.execution_id}`} underline="never">
                            <StateText state={job.state} />
                          </Anchor>
                          <Text size="sm" c="dimmed">
                            <Time iso={job.scheduled_time} />
                          </Text>
                        </>
                      }
                    >
                      <Anchor component={Link} to={`/jobs/${job.job_id}`} size="sm">
                        {job.name}
                      </Anchor>
                    </Row>
                  ))}
                </div>
              </Section>
            )}
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}
