import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { ApiProblem } from '../admin';
import { api, type Schemas } from '../api/client';
import { useAuth } from '../auth';
import { usePhone } from '../use-phone';
import {
  coverageText,
  DEFAULT_EVENTS,
  isWebhookEvent,
  WEBHOOK_EVENTS,
  type WebhookField,
  webhookFieldProblems,
  webhookRequest,
} from '../webhooks';
import { PermissionNeeded } from './PermissionNeeded';
import { CardFact, RowCard, RowCards } from './RowCard';
import { SecretShownOnce } from './SecretShownOnce';
import { Time } from './Time';

export type Webhook = Schemas['WebhookResponse'];
type CreatedWebhook = Schemas['CreatedWebhookResponse'];

/** The query keys of the webhooks (every list starts with `webhooks`, so one invalidation refreshes them all). */
export const WEBHOOKS_KEY = ['webhooks'];

/** Admins see (and may act on) every user's webhooks; everyone else only their own. */
export function useIsAdmin(): boolean {
  const auth = useAuth();
  return (auth.me?.roles ?? []).includes('admin');
}

/**
 * The jobs a webhook may be registered for, by id → name: an admin's are every job, anyone else's
 * their own (a view_all user sees others' jobs but may not hook into them).
 */
function useWebhookJobs(enabled: boolean) {
  const auth = useAuth();
  const admin = useIsAdmin();
  const ownerId = auth.me?.id ?? '';
  return useQuery({
    queryKey: ['jobs', 'webhook-choices', admin ? '' : ownerId],
    enabled,
    queryFn: async () => {
      const { data, error, response } = await api.GET('/api/v1/jobs', {
        params: { query: { limit: 1000, ...(admin || !auth.can('view_all') ? {} : { owner_id: ownerId }) } },
      });
      if (!data) throw ApiProblem.of(response, error);
      return data.jobs.map((job) => ({ id: job.job_id, name: job.name, owner: job.owner.username }));
    },
  });
}

/** The events of a webhook, short: "all 9 events" or their names. */
export function eventsText(events: readonly string[]): string {
  return events.length === WEBHOOK_EVENTS.length ? `all ${WEBHOOK_EVENTS.length} events` : events.join(', ');
}

/** Active, or disabled with its reason (by a user, or after failing deliveries for a day). */
export function WebhookStatus({ webhook }: { webhook: Pick<Webhook, 'active' | 'disabled_reason'> }) {
  if (webhook.active) {
    return (
      <Badge color="teal" variant="light">
        active
      </Badge>
    );
  }
  return (
    <Stack gap={2} align="flex-start">
      <Badge color="red" variant="light">
        disabled
      </Badge>
      {webhook.disabled_reason && (
        <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
          {webhook.disabled_reason}
        </Text>
      )}
    </Stack>
  );
}

/** Delete with a confirmation; `onDeleted` after the server said yes. */
export function useDeleteWebhook(onDeleted?: () => void) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: async (webhook: Webhook) => {
      const { error, response } = await api.DELETE('/api/v1/webhooks/{id}', {
        params: { path: { id: webhook.id } },
      });
      if (!response.ok) throw ApiProblem.of(response, error);
      return webhook;
    },
    onSuccess: (webhook) => {
      notifications.show({ message: `Webhook to ${webhook.url} deleted.`, color: 'teal' });
      onDeleted?.();
    },
    onError: (error) =>
      notifications.show({ title: 'Could not delete the webhook', message: error.message, color: 'red' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: WEBHOOKS_KEY }),
  });
  const confirm = (webhook: Webhook) =>
    modals.openConfirmModal({
      title: 'Delete this webhook?',
      children: (
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {webhook.url} gets no more events, and its delivery log is deleted with it. This cannot be undone.
        </Text>
      ),
      labels: { confirm: 'Delete', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () => remove.mutate(webhook),
    });
  return { confirm, pending: (webhook: Webhook) => remove.isPending && remove.variables?.id === webhook.id };
}

/**
 * The user's webhooks (an admin's: everyone's, with an Owner column): URL (to its page with the
 * delivery log), events, jobs covered, status, created, and "Add webhook" / "Delete". With `job`,
 * only that job's webhooks, and a new one is for that job unless the user picks another.
 */
export function Webhooks({ job, mayAdd = true }: { job?: { id: string; name: string }; mayAdd?: boolean }) {
  const auth = useAuth();
  const phone = usePhone();
  const admin = useIsAdmin();
  const [adding, setAdding] = useState(false);
  const webhooks = useQuery({
    queryKey: [...WEBHOOKS_KEY, job?.id ?? 'all'],
    queryFn: async () => {
      const { data, error, response } = await api.GET('/api/v1/webhooks', {
        params: { query: { limit: 1000, ...(job ? { job_id: job.id } : {}) } },
      });
      if (!data) throw ApiProblem.of(response, error);
      return data;
    },
  });
  // Job names for the "Jobs" column of the Account page (on a job's page it is that job).
  const jobs = useWebhookJobs(!job && (webhooks.data?.webhooks.some((each) => each.job_id !== null) ?? false));
  const names = new Map<string, string>(job ? [[job.id, job.name]] : (jobs.data ?? []).map((j) => [j.id, j.name]));
  const remove = useDeleteWebhook();

  if (!auth.can('job_view') || (webhooks.error instanceof ApiProblem && webhooks.error.status === 403)) {
    return (
      <Card withBorder>
        <PermissionNeeded title="Webhooks" order={4} what="Webhooks" permission="job_view" />
      </Card>
    );
  }
  const list = webhooks.data?.webhooks ?? [];
  const showOwner = admin && list.some((each) => each.owner.id !== auth.me?.id);
  const coverage = (webhook: Webhook) =>
    coverageText(webhook.job_id, names, {
      mine: webhook.owner.id === auth.me?.id,
      admin,
      owner: webhook.owner.username,
    });
  const link = (webhook: Webhook) => (
    <Anchor component={Link} to={`/webhooks/${webhook.id}`} size="sm" style={{ overflowWrap: 'anywhere' }}>
      {webhook.url}
    </Anchor>
  );
  const deleteButton = (webhook: Webhook) => (
    <Button
      size="xs"
      variant="subtle"
      color="red"
      aria-label={`Delete the webhook to ${webhook.url}`}
      loading={remove.pending(webhook)}
      onClick={() => remove.confirm(webhook)}
    >
      Delete
    </Button>
  );
  const deliveriesButton = (webhook: Webhook) => (
    <Button
      size="xs"
      variant="light"
      component={Link}
      to={`/webhooks/${webhook.id}`}
      aria-label={`Deliveries of the webhook to ${webhook.url}`}
    >
      Deliveries
    </Button>
  );
  return (
    <Card withBorder component="section" aria-label="Webhooks">
      <Stack>
        <Group justify="space-between" align="flex-start">
          <Stack gap={2} style={{ flex: 1, minWidth: 240 }}>
            <Title order={4}>Webhooks</Title>
            <Text size="sm" c="dimmed">
              {job
                ? 'Signed HTTP POSTs to your URL when this job’s runs end or the job is paused, resumed or deleted. ' +
                  'Webhooks for all your jobs (on the Account page) cover it too.'
                : 'Signed HTTP POSTs to your URL when your jobs’ runs end or a job is paused, resumed or deleted.'}
            </Text>
          </Stack>
          {mayAdd && <Button onClick={() => setAdding(true)}>Add webhook</Button>}
        </Group>
        {webhooks.isError && <Alert color="red">{webhooks.error.message}</Alert>}
        {webhooks.isSuccess && list.length === 0 && (
          <Text c="dimmed" size="sm">
            {job ? 'No webhook for this job yet' : 'No webhooks yet'}
            {mayAdd ? ' — “Add webhook” sends its events to a URL of yours.' : '.'}
          </Text>
        )}
        {list.length > 0 && phone && (
          <RowCards>
            {list.map((webhook) => (
              <RowCard
                key={webhook.id}
                label={`Webhook to ${webhook.url}`}
                title={link(webhook)}
                aside={<WebhookStatus webhook={{ active: webhook.active, disabled_reason: null }} />}
                actions={
                  <Group gap="xs">
                    {deliveriesButton(webhook)}
                    {deleteButton(webhook)}
                  </Group>
                }
              >
                {!webhook.active && webhook.disabled_reason && (
                  <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                    {webhook.disabled_reason}
                  </Text>
                )}
                <CardFact label="Events">{eventsText(webhook.events)}</CardFact>
                {!job && <CardFact label="Jobs">{coverage(webhook)}</CardFact>}
                {showOwner && <CardFact label="Owner">{webhook.owner.username}</CardFact>}
                <CardFact label="Created">
                  <Time iso={webhook.created_time} />
                </CardFact>
              </RowCard>
            ))}
          </RowCards>
        )}
        {list.length > 0 && !phone && (
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="xs" aria-label="Webhooks">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>URL</Table.Th>
                  <Table.Th>Events</Table.Th>
                  {!job && <Table.Th>Jobs</Table.Th>}
                  <Table.Th>Status</Table.Th>
                  {showOwner && <Table.Th>Owner</Table.Th>}
                  <Table.Th>Created</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((webhook) => (
                  <Table.Tr key={webhook.id}>
                    <Table.Td style={{ minWidth: 240, maxWidth: 360 }}>{link(webhook)}</Table.Td>
                    <Table.Td style={{ maxWidth: 260 }}>
                      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                        {eventsText(webhook.events)}
                      </Text>
                    </Table.Td>
                    {!job && (
                      <Table.Td style={{ minWidth: 120, maxWidth: 200, overflowWrap: 'anywhere' }}>
                        <Text size="sm">{coverage(webhook)}</Text>
                      </Table.Td>
                    )}
                    <Table.Td style={{ minWidth: 96, maxWidth: 220 }}>
                      <WebhookStatus webhook={webhook} />
                    </Table.Td>
                    {showOwner && <Table.Td>{webhook.owner.username}</Table.Td>}
                    <Table.Td>
                      <Time iso={webhook.created_time} wrap />
                    </Table.Td>
                    <Table.Td style={{ textAlign: 'right', width: 1 }}>
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        {deliveriesButton(webhook)}
                        {deleteButton(webhook)}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      {adding && <NewWebhookDialog job={job} onClose={() => setAdding(false)} />}
    </Card>
  );
}

/** "Add webhook": URL, events (all nine offered), one job or all; then the signing secret, once. */
function NewWebhookDialog({ job, onClose }: { job?: { id: string; name: string }; onClose: () => void }) {
  const queryClient = useQueryClient();
  const admin = useIsAdmin();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(DEFAULT_EVENTS);
  const [jobId, setJobId] = useState<string>(job?.id ?? '');
  const [errors, setErrors] = useState<Partial<Record<WebhookField, string>>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const jobs = useWebhookJobs(true);
  const choices = [
    { value: '', label: admin ? 'All jobs (every user’s)' : 'All my jobs' },
    ...(jobs.data ?? []).map((each) => ({
      value: each.id,
      label: admin ? `${each.name} (${each.owner})` : each.name,
    })),
  ];
  // The job of the page, even before the list has loaded (or when it is not among the first 1000).
  if (job && !choices.some((choice) => choice.value === job.id)) choices.push({ value: job.id, label: job.name });

  const create = useMutation({
    mutationFn: async () => {
      const { data, error, response } = await api.POST('/api/v1/webhooks', {
        body: webhookRequest(url, events, jobId),
      });
      if (!data) throw ApiProblem.of(response, error);
      return data;
    },
    onMutate: () => {
      setErrors({});
      setGeneral([]);
    },
    onSuccess: (webhook) => {
      setCreated(webhook);
      void queryClient.invalidateQueries({ queryKey: WEBHOOKS_KEY });
    },
    onError: (error) => {
      if (!(error instanceof ApiProblem)) {
        setGeneral([error.message]);
        return;
      }
      const split = webhookFieldProblems(error.status, error.messages);
      setErrors(split.fields);
      setGeneral(split.other.length > 0 || error.messages.length > 0 ? split.other : [error.message]);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={created ? 'Webhook added' : 'Add webhook'} size="lg">
      {created ? (
        <Stack>
          <SecretShownOnce
            title="Copy the signing secret now: you will not see it again"
            label="Signing secret"
            value={created.secret}
            copyLabel="Copy secret"
          >
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              Every delivery to {created.url} carries <Code>X-Cronwarden-Signature: sha256=…</Code>, the HMAC-SHA256 of
              the raw body with this secret. Keep it where your receiver reads secrets from, and check the signature
              before trusting a delivery.
            </Text>
          </SecretShownOnce>
          <Group justify="flex-end">
            <Button variant="default" component={Link} to={`/webhooks/${created.id}`} onClick={onClose}>
              Open its delivery log
            </Button>
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            {general.length > 0 && (
              <Alert color="red" title="Not added">
                {general.join(' ')}
              </Alert>
            )}
            <TextInput
              label="URL"
              description="An http:// or https:// address that receives a JSON POST per event"
              placeholder="https://hooks.example.com/cronwarden"
              required
              type="url"
              autoComplete="off"
              value={url}
              onChange={(event) => setUrl(event.currentTarget.value)}
              error={errors.url}
              data-autofocus
            />
            <Checkbox.Group
              label="Events"
              description="Which events are sent (at least one)"
              required
              value={events}
              onChange={(value) => setEvents(value.filter(isWebhookEvent))}
              error={errors.events}
            >
              <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs" mt="xs">
                {WEBHOOK_EVENTS.map((each) => (
                  <Checkbox key={each.value} value={each.value} label={each.value} description={each.description} />
                ))}
              </SimpleGrid>
            </Checkbox.Group>
            <Select
              label="Job"
              description={
                admin
                  ? 'One job, or every job of every user (yours as an admin)'
                  : 'One of your jobs, or all of them (also those you create later)'
              }
              data={choices}
              value={jobId}
              onChange={(value) => setJobId(value ?? '')}
              allowDeselect={false}
              searchable
              nothingFoundMessage="No such job"
              comboboxProps={{ withinPortal: true }}
              error={errors.job_id}
            />
            {jobs.isError && (
              <Text size="xs" c="red">
                Your jobs could not be listed ({jobs.error.message}): “All my jobs” still works.
              </Text>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Add webhook
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
