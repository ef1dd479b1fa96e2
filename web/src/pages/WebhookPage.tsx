import {
  Alert,
  Anchor,
  Button,
  Card,
  Code,
  Group,
  Pagination,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiProblem } from '../admin';
import { api, type Schemas } from '../api/client';
import { useAuth } from '../auth';
import { Field } from '../components/Field';
import { PermissionNeeded } from '../components/PermissionNeeded';
import { CardFact, RowCard, RowCards } from '../components/RowCard';
import { Time } from '../components/Time';
import { eventsText, useDeleteWebhook, useIsAdmin, WEBHOOKS_KEY, WebhookStatus } from '../components/Webhooks';
import { localTime } from '../format';
import { usePhone } from '../use-phone';
import { attemptDuration, DELIVERY_COLOURS, deliveriesRefetchMs, deliveryStatusText } from '../webhooks';

type Delivery = Schemas['DeliveryResponse'];
type Attempt = Schemas['DeliveryAttemptResponse'];

const PAGE_SIZE = 20;

function StatusText({ status, label, size = 'sm' }: { status: string; label?: string; size?: 'xs' | 'sm' }) {
  return (
    <Text component="span" fw={600} size={size} c={DELIVERY_COLOURS[status] ?? 'gray'}>
      {label ?? status}
    </Text>
  );
}

/** One webhook (`/webhooks/<id>`): what it sends where, "Send test event", Disable/Enable, Delete, its delivery log. */
export function WebhookPage() {
  const { webhookId = '' } = useParams();
  const auth = useAuth();
  const admin = useIsAdmin();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);

  const webhook = useQuery({
    queryKey: [...WEBHOOKS_KEY, 'one', webhookId],
    enabled: auth.can('job_view'),
    retry: false,
    queryFn: async () => {
      const { data, error, response } = await api.GET('/api/v1/webhooks/{id}', {
        params: { path: { id: webhookId } },
      });
      if (!data) throw ApiProblem.of(response, error);
      return data;
    },
  });
  const job = useQuery({
    queryKey: ['job', webhook.data?.job_id],
    enabled: !!webhook.data?.job_id,
    retry: false,
    queryFn: async () => {
      const { data, error, response } = await api.GET('/api/v1/jobs/{job_id}', {
        params: { path: { job_id: webhook.data?.job_id ?? '' } },
      });
      if (!data) throw ApiProblem.of(response, error);
      return data;
    },
  });
  const deliveries = useQuery({
    queryKey: [...WEBHOOKS_KEY, 'deliveries', webhookId, page],
    enabled: webhook.isSuccess,
    queryFn: async () => {
      const { data, error, response } = await api.GET('/api/v1/webhooks/{id}/deliveries', {
        params: { path: { id: webhookId }, query: { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE } },
      });
      if (!data) throw ApiProblem.of(response, error);
      return data;
    },
    // Pending deliveries move on their own (attempts, retries): the log follows them every second.
    refetchInterval: (query) => deliveriesRefetchMs(query.state.data?.deliveries),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: WEBHOOKS_KEY });
  const ping = useMutation({
    mutationFn: async () => {
      const { data, error, response } = await api.POST('/api/v1/webhooks/{id}/test', {
        params: { path: { id: webhookId } },
      });
      if (!data) throw ApiProblem.of(response, error);
      return data;
    },
    onSuccess: () => {
      notifications.show({ message: 'Test event (ping) queued: it shows in the log below.', color: 'teal' });
      if (page !== 1) setParams({}, { replace: true });
    },
    onError: (error) => notifications.show({ title: 'Test event not sent', message: error.message, color: 'red' }),
    onSettled: refresh,
  });
  const redeliver = useMutation({
    mutationFn: async (delivery: Delivery) => {
      const { data, error, response } = await api.POST('/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver', {
        params: { path: { id: webhookId, delivery_id: delivery.id } },
      });
      if (!data) throw ApiProblem.of(response, error);
      return data;
    },
    onSuccess: (delivery) => notifications.show({ message: `${delivery.event} delivery queued again.`, color: 'teal' }),
    onError: (error) => notifications.show({ title: 'Not redelivered', message: error.message, color: 'red' }),
    onSettled: refresh,
  });
  const toggle = useMutation({
    mutationFn: async (active: boolean) => {
      const { data, error, response } = await api.PATCH('/api/v1/webhooks/{id}', {
        params: { path: { id: webhookId } },
        body: { active },
      });
      if (!data) throw ApiProblem.of(response, error);
      return data;
    },
    onSuccess: (updated) =>
      notifications.show({
        message: updated.active ? 'Webhook enabled: events are sent again.' : 'Webhook disabled: nothing is sent.',
        color: 'teal',
      }),
    onError: (error) => notifications.show({ title: 'Not changed', message: error.message, color: 'red' }),
    onSettled: refresh,
  });
  const remove = useDeleteWebhook(
    () => void navigate(webhook.data?.job_id ? `/jobs/${webhook.data.job_id}` : '/account'),
  );

  if (!auth.can('job_view') || (webhook.error instanceof ApiProblem && webhook.error.status === 403)) {
    return <PermissionNeeded title="Webhook" what="Webhooks" permission="job_view" />;
  }
  if (webhook.isError) {
    return (
      <Stack>
        <Title order={2}>Webhook</Title>
        <Alert color="red">
          {webhook.error instanceof ApiProblem && webhook.error.status === 404
            ? 'No such webhook: it was deleted, or it is not yours.'
            : webhook.error.message}
        </Alert>
        <Anchor component={Link} to="/account">
          Your webhooks (Account)
        </Anchor>
      </Stack>
    );
  }
  if (!webhook.data) return <Text c="dimmed">Loading…</Text>;
  const data = webhook.data;
  const mine = data.owner.id === auth.me?.id;
  const jobName = job.data?.name ?? (data.job_id ? `Job ${data.job_id.slice(0, 8)}…` : '');
  const coverage = data.job_id ? (
    <Anchor component={Link} to={`/jobs/${data.job_id}`} size="sm">
      {jobName}
    </Anchor>
  ) : mine ? (
    admin ? (
      'All jobs (every user’s)'
    ) : (
      'All my jobs'
    )
  ) : (
    `All of ${data.owner.username}’s jobs`
  );
  const list = deliveries.data?.deliveries ?? [];
  const total = deliveries.data?.total ?? 0;
  const inactive = !data.active;
  return (
    <Stack>
      <Anchor component={Link} to={data.job_id ? `/jobs/${data.job_id}` : '/account'} size="sm">
        ← {data.job_id ? jobName : 'Account'}
      </Anchor>
      <Group justify="space-between" align="flex-start">
        <Stack gap={2} style={{ minWidth: 0, flex: 1 }}>
          <Title order={2}>Webhook</Title>
          <Text ff="monospace" size="sm" style={{ overflowWrap: 'anywhere' }}>
            {data.url}
          </Text>
        </Stack>
        <Group gap="xs">
          <Button
            onClick={() => ping.mutate()}
            loading={ping.isPending}
            disabled={inactive}
            title={inactive ? 'Enable the webhook first' : 'Send a ping event to the URL'}
          >
            Send test event
          </Button>
          <Button variant="default" loading={toggle.isPending} onClick={() => toggle.mutate(inactive)}>
            {inactive ? 'Enable' : 'Disable'}
          </Button>
          <Button variant="light" color="red" loading={remove.pending(data)} onClick={() => remove.confirm(data)}>
            Delete
          </Button>
        </Group>
      </Group>
      {inactive && (
        <Alert color="red" title="Disabled: nothing is delivered">
          Reason: {data.disabled_reason ?? 'not given'}. “Enable” sends events again (and allows tests and
          redeliveries).
        </Alert>
      )}
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }}>
          <Field label="Events">{eventsText(data.events)}</Field>
          <Field label="Jobs">{coverage}</Field>
          <Field label="Status">
            <WebhookStatus webhook={{ active: data.active, disabled_reason: null }} />
          </Field>
          <Field label="Owner">{data.owner.username}</Field>
          <Field label="Created">
            <Time iso={data.created_time} />
          </Field>
          <Field label="Signature">
            <Code>X-Cronwarden-Signature: sha256=…</Code> (HMAC-SHA256 of the body with the secret shown at creation)
          </Field>
        </SimpleGrid>
      </Card>
      <Group justify="space-between" align="baseline">
        <Title order={3}>Deliveries</Title>
        {deliveries.data && (
          <Text size="sm" c="dimmed">
            {total} {total === 1 ? 'delivery' : 'deliveries'}
          </Text>
        )}
      </Group>
      {deliveries.isError && <Alert color="red">{deliveries.error.message}</Alert>}
      {deliveries.isSuccess && list.length === 0 && (
        <Text c="dimmed" size="sm">
          No delivery yet — events show here as they are sent; “Send test event” sends one now.
        </Text>
      )}
      {list.length > 0 && (
        <DeliveryLog
          deliveries={list}
          mayRedeliver={!inactive}
          redelivering={(delivery) => redeliver.isPending && redeliver.variables?.id === delivery.id}
          onRedeliver={(delivery) => redeliver.mutate(delivery)}
        />
      )}
      {total > PAGE_SIZE && (
        <Pagination
          total={Math.ceil(total / PAGE_SIZE)}
          value={page}
          onChange={(value) => setParams(value === 1 ? {} : { page: String(value) }, { replace: true })}
        />
      )}
    </Stack>
  );
}

/** The attempts of one delivery, oldest first (shown under its row when asked). */
function AttemptList({ attempts }: { attempts: Attempt[] }) {
  return (
    <Stack gap={2}>
      {attempts.map((attempt) => (
        <Text key={attempt.attempt} size="xs" style={{ overflowWrap: 'anywhere' }}>
          #{attempt.attempt} <Time iso={attempt.time} /> — <StatusText status={attempt.status} size="xs" />
          {attempt.response_status !== null ? `, HTTP ${attempt.response_status}` : ''},{' '}
          {attemptDuration(attempt.duration_ms)}
          {attempt.error ? `: ${attempt.error}` : ''}
        </Text>
      ))}
    </Stack>
  );
}

/** The delivery log: a table on wider screens, one card per delivery on a phone; each with "Redeliver". */
function DeliveryLog({
  deliveries,
  mayRedeliver,
  redelivering,
  onRedeliver,
}: {
  deliveries: Delivery[];
  mayRedeliver: boolean;
  redelivering: (delivery: Delivery) => boolean;
  onRedeliver: (delivery: Delivery) => void;
}) {
  const phone = usePhone();
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const flip = (id: string) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const redeliverButton = (delivery: Delivery) => (
    <Button
      size="xs"
      variant="light"
      aria-label={`Redeliver ${delivery.event} of ${localTime(delivery.created_time)}`}
      disabled={!mayRedeliver || delivery.status === 'pending'}
      title={
        !mayRedeliver
          ? 'Enable the webhook first'
          : delivery.status === 'pending'
            ? 'Still being sent or retried'
            : 'Send it again (same id and body)'
      }
      loading={redelivering(delivery)}
      onClick={() => onRedeliver(delivery)}
    >
      Redeliver
    </Button>
  );
  // A single attempt says nothing the row does not: the list is offered from the second on.
  const attemptsButton = (delivery: Delivery) =>
    delivery.attempts.length > 1 && (
      <Button
        size="compact-xs"
        variant="subtle"
        onClick={() => flip(delivery.id)}
        aria-expanded={open.has(delivery.id)}
      >
        {open.has(delivery.id)
          ? 'Hide attempts'
          : `${delivery.attempts.length} ${delivery.attempts.length === 1 ? 'attempt' : 'attempts'}`}
      </Button>
    );
  if (phone) {
    return (
      <RowCards>
        {deliveries.map((delivery) => (
          <RowCard
            key={delivery.id}
            label={`Delivery ${delivery.event}`}
            title={
              <Text size="sm" fw={600}>
                {delivery.event}
              </Text>
            }
            aside={<StatusText status={delivery.status} label={deliveryStatusText(delivery)} />}
            actions={
              <Group gap="xs">
                {redeliverButton(delivery)}
                {attemptsButton(delivery)}
              </Group>
            }
          >
            <CardFact label="Time">
              <Time iso={delivery.created_time} />
            </CardFact>
            <CardFact label="Response">
              {delivery.response_status ?? '—'} · {attemptDuration(delivery.duration_ms)} · attempt {delivery.attempt}
            </CardFact>
            {delivery.error && <CardFact label="Error">{delivery.error}</CardFact>}
            {open.has(delivery.id) && <AttemptList attempts={delivery.attempts} />}
          </RowCard>
        ))}
      </RowCards>
    );
  }
  return (
    <Table.ScrollContainer minWidth={860}>
      <Table verticalSpacing="xs" aria-label="Deliveries">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Time</Table.Th>
            <Table.Th>Event</Table.Th>
            <Table.Th>Status</Table.Th>
            <Table.Th>Attempt</Table.Th>
            <Table.Th>Response</Table.Th>
            <Table.Th>Duration</Table.Th>
            <Table.Th>Error</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {deliveries.map((delivery) => (
            <Fragment key={delivery.id}>
              <Table.Tr>
                <Table.Td>
                  <Time iso={delivery.created_time} wrap />
                </Table.Td>
                <Table.Td>{delivery.event}</Table.Td>
                <Table.Td>
                  <StatusText status={delivery.status} label={deliveryStatusText(delivery)} />
                  {delivery.status === 'pending' && delivery.next_attempt_time && (
                    <Text size="xs" c="dimmed">
                      next <Time iso={delivery.next_attempt_time} />
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Stack gap={0} align="flex-start">
                    <Text size="sm">{delivery.attempt}</Text>
                    {attemptsButton(delivery)}
                  </Stack>
                </Table.Td>
                <Table.Td>{delivery.response_status ?? '—'}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{attemptDuration(delivery.duration_ms)}</Table.Td>
                <Table.Td style={{ maxWidth: 320, overflowWrap: 'anywhere' }}>
                  <Text size="sm" c={delivery.error ? 'red' : 'dimmed'}>
                    {delivery.error ?? '—'}
                  </Text>
                </Table.Td>
                <Table.Td style={{ textAlign: 'right' }}>{redeliverButton(delivery)}</Table.Td>
              </Table.Tr>
              {open.has(delivery.id) && (
                <Table.Tr>
                  <Table.Td colSpan={8} bg="var(--mantine-color-gray-0)">
                    <AttemptList attempts={delivery.attempts} />
                  </Table.Td>
                </Table.Tr>
              )}
            </Fragment>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
