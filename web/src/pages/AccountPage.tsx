import { Alert, Badge, Button, Card, Group, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, errorText } from '../api/client';
import { useAuth } from '../auth';
import { ApiTokens } from '../components/ApiTokens';
import { Webhooks } from '../components/Webhooks';

export function AccountPage() {
  const auth = useAuth();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const change = useMutation({
    mutationFn: async () => {
      const { error, response } = await api.PUT('/api/v1/auth/me/password', {
        body: { current_password: current, new_password: next },
      });
      if (!response.ok) throw new Error(errorText(error, `${response.status} ${response.statusText}`));
    },
    onSuccess: () => {
      notifications.show({ message: 'Password changed: sign in with the new one.', color: 'teal' });
      void auth.signOut();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    change.mutate();
  };
  return (
    <Stack maw={1120}>
      <Title order={2}>Account</Title>
      <Card withBorder maw={640}>
        <Stack gap="xs">
          <Text>
            Signed in as <b>{auth.me?.username}</b>
            {auth.me?.email ? ` (${auth.me.email})` : ''}
          </Text>
          <Group gap={6}>
            <Text size="sm" c="dimmed">
              Roles:
            </Text>
            {(auth.me?.roles ?? []).map((role) => (
              <Badge key={role} variant="light">
                {role}
              </Badge>
            ))}
          </Group>
          <Text size="sm" c="dimmed">
            Permissions: {(auth.me?.permissions ?? []).join(', ') || 'none'}
          </Text>
        </Stack>
      </Card>
      <Card withBorder maw={640}>
        <form onSubmit={submit}>
          <Stack>
            <Title order={4}>Change password</Title>
            {change.isError && <Alert color="red">{change.error.message}</Alert>}
            <PasswordInput
              label="Current password"
              autoComplete="current-password"
              required
              value={current}
              onChange={(event) => setCurrent(event.currentTarget.value)}
            />
            <PasswordInput
              label="New password"
              autoComplete="new-password"
              required
              value={next}
              onChange={(event) => setNext(event.currentTarget.value)}
            />
            <Group>
              <Button type="submit" loading={change.isPending}>
                Change password
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
      <ApiTokens />
      {auth.can('job_view') && <Webhooks />}
    </Stack>
  );
}
