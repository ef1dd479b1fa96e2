import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
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
import { api, errorText, type PermissionName, type Schemas, unwrap } from '../api/client';
import { isExpired, localDate, permissionsText, tokenRequest } from '../api-tokens';
import { useAuth } from '../auth';
import { useNow } from '../use-now';
import { usePhone } from '../use-phone';
import { SecretShownOnce } from './SecretShownOnce';
import { Time } from './Time';

type ApiToken = Schemas['ApiTokenResponse'];
type CreatedToken = Schemas['CreatedApiTokenResponse'];

const TOKENS_KEY = ['api-tokens'];

/** The Account page's "API tokens" section: list, "New token" (shown once), "Revoke". */
export function ApiTokens() {
  const queryClient = useQueryClient();
  const now = useNow(60_000);
  const phone = usePhone();
  const [creating, setCreating] = useState(false);
  const tokens = useQuery({
    queryKey: TOKENS_KEY,
    queryFn: async () => unwrap(await api.GET('/api/v1/auth/tokens')),
  });
  const revoke = useMutation({
    mutationFn: async (token: ApiToken) => {
      const { error, response } = await api.DELETE('/api/v1/auth/tokens/{id}', { params: { path: { id: token.id } } });
      if (!response.ok) throw new Error(errorText(error, `${response.status} ${response.statusText}`));
      return token;
    },
    onSuccess: (token) => {
      notifications.show({ message: `Token "${token.name}" revoked: it no longer works.`, color: 'teal' });
    },
    onError: (error) =>
      notifications.show({ title: 'Could not revoke the token', message: error.message, color: 'red' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: TOKENS_KEY }),
  });
  const confirmRevoke = (token: ApiToken) =>
    modals.openConfirmModal({
      title: 'Revoke this token?',
      children: (
        <Text size="sm">
          Scripts and services using “{token.name}” ({token.prefix}…) get 401 from now on. This cannot be undone.
        </Text>
      ),
      labels: { confirm: 'Revoke', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () => revoke.mutate(token),
    });

  const list = tokens.data?.tokens ?? [];
  return (
    <Card withBorder>
      <Stack>
        <Group justify="space-between" align="flex-start">
          <Stack gap={2}>
            <Title order={4}>API tokens</Title>
            <Text size="sm" c="dimmed">
              For scripts, CI jobs and services: send one as <Code>Authorization: Bearer cw_…</Code>. A token never has
              more rights than you have now.
            </Text>
          </Stack>
          <Button onClick={() => setCreating(true)}>New token</Button>
        </Group>
        {tokens.isError && <Alert color="red">{tokens.error.message}</Alert>}
        {tokens.isSuccess && list.length === 0 && (
          <Text c="dimmed" size="sm">
            No API tokens yet — create one with “New token” to call the API without your password.
          </Text>
        )}
        {list.length > 0 && (
          <Table.ScrollContainer minWidth={phone ? 300 : 860}>
            <Table verticalSpacing="xs" aria-label="API tokens">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{phone ? 'Token' : 'Name'}</Table.Th>
                  {!phone && (
                    <>
                      <Table.Th>Permissions</Table.Th>
                      <Table.Th>Created</Table.Th>
                      <Table.Th>Last used</Table.Th>
                      <Table.Th>Expires</Table.Th>
                    </>
                  )}
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((token) => {
                  const expiry = token.expires_at ? (
                    <Group gap={6} wrap="nowrap" component="span">
                      <Time iso={token.expires_at} />
                      {isExpired(token.expires_at, new Date(now)) && (
                        <Badge color="gray" variant="light">
                          expired
                        </Badge>
                      )}
                    </Group>
                  ) : (
                    'Never'
                  );
                  const lastUsed = token.last_used_time ? <Time iso={token.last_used_time} /> : 'Never';
                  return (
                    <Table.Tr key={token.id}>
                      <Table.Td style={{ minWidth: 140, maxWidth: 280, overflowWrap: 'anywhere' }}>
                        <Stack gap={2}>
                          <Text size="sm">{token.name}</Text>
                          <Code style={{ alignSelf: 'flex-start', whiteSpace: 'nowrap' }}>{token.prefix}…</Code>
                          {phone && (
                            <>
                              <Text size="xs" c="dimmed">
                                Permissions: {permissionsText(token.permissions)}
                              </Text>
                              <Text size="xs" c="dimmed" component="div">
                                Last used: {lastUsed}
                              </Text>
                              <Text size="xs" c="dimmed" component="div">
                                Expires: {expiry}
                              </Text>
                            </>
                          )}
                        </Stack>
                      </Table.Td>
                      {!phone && (
                        <>
                          <Table.Td>
                            <Text size="sm" c={token.permissions ? undefined : 'dimmed'}>
                              {permissionsText(token.permissions)}
                            </Text>
                          </Table.Td>
                          <Table.Td>
                            <Time iso={token.created_time} />
                          </Table.Td>
                          <Table.Td>{lastUsed}</Table.Td>
                          <Table.Td>{expiry}</Table.Td>
                        </>
                      )}
                      <Table.Td style={{ textAlign: 'right' }}>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          aria-label={`Revoke ${token.name}`}
                          loading={revoke.isPending && revoke.variables?.id === token.id}
                          onClick={() => confirmRevoke(token)}
                        >
                          Revoke
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      <NewTokenDialog opened={creating} onClose={() => setCreating(false)} />
    </Card>
  );
}

/** "New token": name, optional expiry day, optional subset of the user's permissions; then the secret, once. */
function NewTokenDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const auth = useAuth();
  const queryClient = useQueryClient();
  const held: PermissionName[] = auth.me?.permissions ?? [];
  const [name, setName] = useState('');
  const [expires, setExpires] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const create = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/v1/auth/tokens', { body: tokenRequest(name, expires, chosen, held) })),
    onSuccess: (token) => {
      setCreated(token);
      void queryClient.invalidateQueries({ queryKey: TOKENS_KEY });
    },
  });
  const close = () => {
    setName('');
    setExpires('');
    setChosen([]);
    setCreated(null);
    create.reset();
    onClose();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <Modal opened={opened} onClose={close} title={created ? 'Your new API token' : 'New API token'} size="lg">
      {created ? (
        <Stack>
          <SecretShownOnce
            title="Copy the token now: it will not be shown again"
            label="New API token"
            value={created.token}
            copyLabel="Copy token"
          >
            <Text size="sm">
              The token “{created.name}”. Keep it where your script or service reads secrets from; anyone holding it
              acts as you{created.permissions ? ` with ${created.permissions.join(', ')}` : ''}.
            </Text>
          </SecretShownOnce>
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            {create.isError && <Alert color="red">{create.error.message}</Alert>}
            <TextInput
              label="Name"
              description="What uses it, e.g. “nightly backup script”"
              required
              maxLength={100}
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
              data-autofocus
            />
            <TextInput
              type="date"
              label="Expires on"
              description="It works through this day (your time zone). Empty: it never expires."
              min={localDate(new Date())}
              value={expires}
              onChange={(event) => setExpires(event.currentTarget.value)}
            />
            <Checkbox.Group
              label="Permissions"
              description="Tick some to limit the token to them. None ticked: all of yours, following your roles."
              value={chosen}
              onChange={setChosen}
            >
              <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs" mt="xs">
                {held.map((permission) => (
                  <Checkbox key={permission} value={permission} label={permission} />
                ))}
              </SimpleGrid>
            </Checkbox.Group>
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Create token
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
