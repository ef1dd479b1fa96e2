import { Alert, Button, Group, Modal, MultiSelect, Stack, Text, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import {
  ADMIN_ROLE,
  ApiProblem,
  type Caller,
  fieldProblems,
  generatePassword,
  isLastActiveAdmin,
  LAST_ADMIN_REASON,
  mayGrant,
} from '../../admin';
import { api, type Role, type User } from '../../api/client';
import { PasswordChoice, type PasswordMode, ShownOncePassword } from './PasswordChoice';

const FIELDS = ['username', 'email', 'password', 'roles'] as const;

/** "New user" (username, email, roles, a generated or typed password) or "Edit <name>" (email, roles). */
export function UserDialog({
  user,
  caller,
  roles,
  defaultRole,
  activeAdmins,
  onClose,
}: {
  user?: User;
  caller: Caller;
  roles: Role[];
  defaultRole: string | undefined;
  activeAdmins: number;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const grantable = roles.filter((role) => mayGrant(caller, role));
  const initialRoles = user
    ? user.roles
    : grantable.some((role) => role.name === defaultRole) && defaultRole
      ? [defaultRole]
      : [];
  const [username, setUsername] = useState(user?.username ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [selected, setSelected] = useState<string[]>(initialRoles);
  const [mode, setMode] = useState<PasswordMode>('generate');
  const [typed, setTyped] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [created, setCreated] = useState<{ username: string; password: string } | null>(null);

  const demotingLastAdmin =
    user !== undefined && isLastActiveAdmin(user, activeAdmins) && !selected.includes(ADMIN_ROLE);

  const save = useMutation({
    mutationFn: async (): Promise<{ username: string; password: string | null }> => {
      const emailValue = email.trim() === '' ? null : email.trim();
      if (!user) {
        const password = mode === 'generate' ? generatePassword() : typed;
        const { data, error, response } = await api.POST('/api/v1/users', {
          body: { username: username.trim(), password, roles: selected, ...(emailValue ? { email: emailValue } : {}) },
        });
        if (!data) throw ApiProblem.of(response, error);
        return { username: data.username, password: mode === 'generate' ? password : null };
      }
      if (emailValue !== user.email) {
        const { data, error, response } = await api.PATCH('/api/v1/users/{id}', {
          params: { path: { id: user.id } },
          body: { email: emailValue },
        });
        if (!data) throw ApiProblem.of(response, error);
      }
      if ([...selected].sort().join() !== [...user.roles].sort().join()) {
        const { data, error, response } = await api.PUT('/api/v1/users/{id}/roles', {
          params: { path: { id: user.id } },
          body: { roles: selected },
        });
        if (!data) throw ApiProblem.of(response, error);
      }
      return { username: user.username, password: null };
    },
    onMutate: () => {
      setErrors({});
      setGeneral([]);
    },
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      void queryClient.invalidateQueries({ queryKey: ['roles'] });
      if (result.password !== null) {
        setCreated({ username: result.username, password: result.password });
        return;
      }
      notifications.show({
        message: user ? `${result.username}: saved` : `${result.username}: created`,
        color: 'teal',
      });
      onClose();
    },
    onError: (error: Error) => {
      if (!(error instanceof ApiProblem)) {
        setGeneral([error.message]);
        return;
      }
      const split = fieldProblems(error, FIELDS);
      // A refused generated password (a stricter PASSWORD_MIN_LENGTH) still shows where the password is chosen.
      setErrors(split.fields);
      setGeneral(split.other);
      // Whatever was saved before the refusal (the email, when the roles were refused) is shown in the list.
      void queryClient.invalidateQueries({ queryKey: ['users'] });
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!demotingLastAdmin) save.mutate();
  };

  const title = created ? 'User created' : user ? `Edit ${user.username}` : 'New user';
  return (
    <Modal opened onClose={onClose} title={title} size="lg">
      {created ? (
        <Stack>
          <ShownOncePassword username={created.username} password={created.password} />
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            {general.length > 0 && (
              <Alert color="red" title="Not saved">
                {general.join(' ')}
              </Alert>
            )}
            {user ? (
              <Text size="sm" c="dimmed">
                Username: <b>{user.username}</b> (cannot be changed)
              </Text>
            ) : (
              <TextInput
                label="Username"
                required
                autoComplete="off"
                description="3 to 64 letters, digits, dots, dashes or underscores"
                value={username}
                onChange={(event) => setUsername(event.currentTarget.value)}
                error={errors.username}
              />
            )}
            <TextInput
              label="Email"
              type="email"
              autoComplete="off"
              placeholder="optional"
              value={email}
              onChange={(event) => setEmail(event.currentTarget.value)}
              error={errors.email}
            />
            <MultiSelect
              label="Roles"
              placeholder={selected.length === 0 ? 'No role: the user can sign in but do nothing' : undefined}
              data={roles.map((role) => ({
                value: role.name,
                label: role.name,
                disabled: !mayGrant(caller, role),
              }))}
              value={selected}
              onChange={setSelected}
              searchable
              comboboxProps={{ withinPortal: true }}
              error={errors.roles ?? (demotingLastAdmin ? LAST_ADMIN_REASON : undefined)}
            />
            {!user && (
              <PasswordChoice
                mode={mode}
                onModeChange={setMode}
                typed={typed}
                onTypedChange={setTyped}
                error={errors.password}
              />
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={save.isPending} disabled={demotingLastAdmin}>
                {user ? 'Save' : 'Create'}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
