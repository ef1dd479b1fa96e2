import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Modal,
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
import { api, errorText, type Schemas, unwrap } from '../api/client';
import { Time } from './Time';

type Webhook = Schemas['WebhookResponse'];
type CreatedWebhook = Schemas['CreatedWebhookResponse'];
type WebhookEvent = Schemas['CreateWebhookDto']['events'][number];

const WEBHOOKS_KEY = ['webhooks'];
const EVENTS: WebhookEvent[] = [
  'execution.succeeded',
  'execution.failed',
  'execution.timeout',
  'execution.missed',
  'execution.skipped',
  'execution.stopped',
  'job.paused',
  'job.resumed',
  'job.deleted',
];

async function ok(call: Promise<{ error?: unknown; response: Response }>): Promise<void> {
  const { error, response } = await call;
  if (!response.ok) throw new Error(errorText(error, `${response.status} ${response.statusText}`));
}

/** The Account page's "Webhooks" section: list, "New webhook" (secret shown once), test, delivery log, delete. */
export function Webhooks() {
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [logOf, setLogOf] = useState<Webhook | null>(null);
  const webhooks = useQuery({
    queryKey: WEBHOOKS_KEY,
    queryFn: async () => unwrap(await api.GET('/api/v1/webhooks')),
  });
  const remove = useMutation({
    mutationFn: async (webhook: Webhook) => {
      await ok(api.DELETE('/api/v1/webhooks/{id}', { params: { path: { id: webhook.id } } }));
      return webhook;
    },
    onSuccess: () => notifications.show({ message: 'Webhook deleted.', color: 'teal' }),
    onError: (error) => notifications.show({ title: 'Could not delete', message: error.message, color: 'red' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: WEBHOOKS_KEY }),
  });
  const test = useMutation({
    mutationFn: async (webhook: Webhook) => {
      await ok(api.POST('/api/v1/webhooks/{id}/test', { params: { path: { id: webhook.id } } }));
      return webhook;
    },
    onSuccess: (webhook) =>
      notifications.show({ message: `Test event queued for ${webhook.url}: see its deliveries.`, color: 'teal' }),
    onError: (error) => notifications.show({ title: 'Could not send', message: error.message, color: 'red' }),
  });
  const enable = useMutation({
    mutationFn: async (webhook: Webhook) =>
      ok(
        api.PATCH('/api/v1/webhooks/{id}', {
          params: { path: { id: webhook.id } },
          body: { active: !webhook.active },
        }),
      ),
    onError: (error) => notifications.show({ title: 'Could not change it', message: error.message, color: 'red' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: WEBHOOKS_KEY }),
  });
  const confirmDelete = (webhook: Webhook) =>
    modals.openConfirmModal({
      title: 'Delete this webhook?',
      children: <Text size="sm">{webhook.url} gets nothing more, and its delivery log is deleted.</Text>,
      labels: { confirm: 'Delete', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () => remove.mutate(webhook),
    });
  const list = webhooks.data?.webhooks ?? [];
  return (
    <Card withBorder>
      <Stack>
        <Group justify="space-between" align="flex-start">
          <Stack gap={2}>
            <Title order={4}>Webhooks</Title>
            <Text size="sm" c="dimmed">
              Signed POSTs to your URL when runs of your jobs end or jobs are paused, resumed or deleted.
            </Text>
          </Stack>
          <Button onClick={() => setCreating(true)}>New webhook</Button>
        </Group>
        {webhooks.isError && <Alert color="red">{webhooks.error.message}</Alert>}
        {webhooks.isSuccess && list.length === 0 && (
          <Text c="dimmed" size="sm">
            No webhooks yet.
          </Text>
        )}
        {list.length > 0 && (
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="xs" aria-label="Webhooks">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>URL</Table.Th>
                  <Table.Th>Events</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((webhook) => (
                  <Table.Tr key={webhook.id}>
                    <Table.Td style={{ maxWidth: 280, overflowWrap: 'anywhere' }}>
                      <Stack gap={2}>
                        <Text size="sm">{webhook.url}</Text>
                        <Text size="xs" c="dimmed">
                          {webhook.job_id ? `job ${webhook.job_id}` : 'all jobs'}
                        </Text>
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs">{webhook.events.join(', ')}</Text>
                    </Table.Td>
                    <Table.Td style={{ minWidth: 96 }}>
                      {webhook.active ? (
                        <Badge color="teal" variant="light">
                          active
                        </Badge>
                      ) : (
                        <Stack gap={2}>
                          <Badge color="gray" variant="light">
                            inactive
                          </Badge>
                          <Text size="xs" c="dimmed">
                            {webhook.disabled_reason}
                          </Text>
                        </Stack>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Time iso={webhook.created_time} />
                    </Table.Td>
                    <Table.Td style={{ textAlign: 'right' }}>
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        <Button
                          size="xs"
                          variant="subtle"
                          disabled={!webhook.active}
                          loading={test.isPending && test.variables?.id === webhook.id}
                          onClick={() => test.mutate(webhook)}
                        >
                          Send test event
                        </Button>
                        <Button size="xs" variant="subtle" onClick={() => setLogOf(webhook)}>
                          Deliveries
                        </Button>
                        <Button
                          size="xs"
                          variant="subtle"
                          loading={enable.isPending && enable.variables?.id === webhook.id}
                          onClick={() => enable.mutate(webhook)}
                        >
                          {webhook.active ? 'Disable' : 'Enable'}
                        </Button>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          aria-label={`Delete ${webhook.url}`}
                          onClick={() => confirmDelete(webhook)}
                        >
                          Delete
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      <NewWebhookDialog opened={creating} onClose={() => setCreating(false)} />
      <DeliveriesDialog webhook={logOf} onClose={() => setLogOf(null)} />
    </Card>
  );
}

/** The delivery log of one webhook, newest first, refreshed while open; "Redeliver" for finished ones. */
function DeliveriesDialog({ webhook, onClose }: { webhook: Webhook | null; onClose: () => void }) {
  const queryClient = useQueryClient();
  const key = ['webhooks', webhook?.id, 'deliveries'];
  const deliveries = useQuery({
    queryKey: key,
    enabled: webhook !== null,
    refetchInterval: 2_000,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id: webhook?.id ?? '' } } })),
  });
  const redeliver = useMutation({
    mutationFn: async (deliveryId: string) =>
      ok(
        api.POST('/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver', {
          params: { path: { id: webhook?.id ?? '', delivery_id: deliveryId } },
        }),
      ),
    onError: (error) => notifications.show({ title: 'Could not redeliver', message: error.message, color: 'red' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  const list = deliveries.data?.deliveries ?? [];
  return (
    <Modal opened={webhook !== null} onClose={onClose} title={`Deliveries to ${webhook?.url ?? ''}`} size="xl">
      {deliveries.isError && <Alert color="red">{deliveries.error.message}</Alert>}
      {deliveries.isSuccess && list.length === 0 && (
        <Text c="dimmed" size="sm">
          Nothing delivered yet.
        </Text>
      )}
      {list.length > 0 && (
        <Table.ScrollContainer minWidth={700}>
          <Table verticalSpacing="xs" aria-label="Deliveries">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Event</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Attempts</Table.Th>
                <Table.Th>Response</Table.Th>
                <Table.Th>When</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((delivery) => (
                <Table.Tr key={delivery.id}>
                  <Table.Td>
                    <Text size="sm">{delivery.event}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge
                      variant="light"
                      color={delivery.status === 'succeeded' ? 'teal' : delivery.status === 'failed' ? 'red' : 'blue'}
                    >
                      {delivery.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{delivery.attempt}</Table.Td>
                  <Table.Td style={{ maxWidth: 280, overflowWrap: 'anywhere' }}>
                    <Text size="xs">
                      {delivery.response_status ?? '—'}
                      {delivery.duration_ms !== null ? ` in ${delivery.duration_ms} ms` : ''}
                    </Text>
                    {delivery.error && (
                      <Text size="xs" c="red">
                        {delivery.error}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Time iso={delivery.created_time} />
                  </Table.Td>
                  <Table.Td>
                    {delivery.status !== 'pending' && (
                      <Button
                        size="xs"
                        variant="subtle"
                        loading={redeliver.isPending && redeliver.variables === delivery.id}
                        onClick={() => redeliver.mutate(delivery.id)}
                      >
                        Redeliver
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Modal>
  );
}

/** "New webhook": URL, events, optional job; then the signing secret, once. */
function NewWebhookDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['execution.failed', 'execution.timeout']);
  const [jobId, setJobId] = useState('');
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/webhooks', {
          body: {
            url: url.trim(),
            events: EVENTS.filter((event) => events.includes(event)),
            ...(jobId.trim() ? { job_id: jobId.trim() } : {}),
          },
        }),
      ),
    onSuccess: (webhook) => {
      setCreated(webhook);
      void queryClient.invalidateQueries({ queryKey: WEBHOOKS_KEY });
    },
  });
  const close = () => {
    setUrl('');
    setEvents(['execution.failed', 'execution.timeout']);
    setJobId('');
    setCreated(null);
    create.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Modal opened={opened} onClose={close} title={created ? 'Your new webhook' : 'New webhook'} size="lg">
      {created ? (
        <Stack>
          <Alert color="yellow" title="Copy the signing secret now: it will not be shown again">
            <Stack gap="xs">
              <Text size="sm">
                Your receiver checks X-Cronwarden-Signature (sha256=HMAC of the body) with this secret.
              </Text>
              <Group gap="xs" wrap="nowrap" align="center">
                <Code
                  aria-label="Webhook secret"
                  style={{ fontSize: 'var(--mantine-font-size-sm)', overflowWrap: 'anywhere', flex: 1 }}
                >
                  {created.secret}
                </Code>
                <CopyButton value={created.secret}>
                  {({ copied, copy }) => (
                    <Button size="xs" variant={copied ? 'filled' : 'light'} onClick={copy}>
                      {copied ? 'Copied' : 'Copy secret'}
                    </Button>
                  )}
                </CopyButton>
              </Group>
            </Stack>
          </Alert>
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            {create.isError && <Alert color="red">{create.error.message}</Alert>}
            <TextInput
              label="URL"
              description="http(s); addresses CurlJob may not reach (loopback, private networks) are refused"
              required
              value={url}
              onChange={(event) => setUrl(event.currentTarget.value)}
              data-autofocus
            />
            <Checkbox.Group label="Events" value={events} onChange={setEvents}>
              <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs" mt="xs">
                {EVENTS.map((event) => (
                  <Checkbox key={event} value={event} label={event} />
                ))}
              </SimpleGrid>
            </Checkbox.Group>
            <TextInput
              label="Job id (optional)"
              description="Only this job's events. Empty: all your jobs."
              value={jobId}
              onChange={(event) => setJobId(event.currentTarget.value)}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending} disabled={events.length === 0}>
                Create webhook
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
