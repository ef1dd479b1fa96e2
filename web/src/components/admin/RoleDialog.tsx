import { Alert, Button, Checkbox, Group, Modal, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ADMIN_ROLE, ApiProblem, fieldProblems, holdersText } from '../../admin';
import { api, type Permission, type PermissionName, type Role, unwrap } from '../../api/client';
import { useAuth } from '../../auth';

const FIELDS = ['name', 'description', 'permissions'] as const;

/** "New role" or "Edit <name>": name, description and one checkbox per permission with its description. */
export function RoleDialog({
  role,
  permissions,
  defaultRole,
  onClose,
}: {
  role?: Role;
  permissions: Permission[];
  defaultRole: string | undefined;
  onClose: () => void;
}) {
  const auth = useAuth();
  const queryClient = useQueryClient();
  const callerIsAdmin = (auth.me?.roles ?? []).includes(ADMIN_ROLE);
  const isAdminRole = role?.name === ADMIN_ROLE;
  const isDefaultRole = role !== undefined && role.name === defaultRole;
  const [name, setName] = useState(role?.name ?? '');
  const [description, setDescription] = useState(role?.description ?? '');
  const [chosen, setChosen] = useState<PermissionName[]>(role?.permissions ?? []);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string[]>([]);

  const save = useMutation({
    mutationFn: async () => {
      const ordered = permissions.map((permission) => permission.name).filter((p) => chosen.includes(p));
      if (!role) {
        const { data, error, response } = await api.POST('/api/v1/roles', {
          body: { name: name.trim(), description, permissions: ordered },
        });
        if (!data) throw ApiProblem.of(response, error);
        return data;
      }
      const body = {
        ...(name.trim() !== role.name ? { name: name.trim() } : {}),
        ...(description !== role.description ? { description } : {}),
        ...(!isAdminRole ? { permissions: ordered } : {}),
      };
      const { data, error, response } = await api.PATCH('/api/v1/roles/{id}', {
        params: { path: { id: role.id } },
        body,
      });
      if (!data) throw ApiProblem.of(response, error);
      return data;
    },
    onMutate: () => {
      setErrors({});
      setGeneral([]);
    },
    onSuccess: (saved) => {
      notifications.show({ message: `Role ${saved.name}: ${role ? 'saved' : 'created'}`, color: 'teal' });
      void queryClient.invalidateQueries({ queryKey: ['roles'] });
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      void queryClient.invalidateQueries({ queryKey: ['me'] });
      onClose();
    },
    onError: (error: Error) => {
      if (!(error instanceof ApiProblem)) {
        setGeneral([error.message]);
        return;
      }
      const split = fieldProblems(error, FIELDS);
      setErrors(split.fields);
      setGeneral(split.other);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };

  return (
    <Modal opened onClose={onClose} title={role ? `Edit role ${role.name}` : 'New role'} size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          {general.length > 0 && (
            <Alert color="red" title="Not saved">
              {general.join(' ')}
            </Alert>
          )}
          <TextInput
            label="Name"
            required
            autoComplete="off"
            description={
              isAdminRole
                ? 'The admin role is built in: only its description can change.'
                : isDefaultRole
                  ? 'The default role of new users (DEFAULT_ROLE) keeps its name.'
                  : '2 to 64 lowercase letters, digits, dashes or underscores'
            }
            disabled={isAdminRole || isDefaultRole}
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            error={errors.name}
          />
          <Textarea
            label="Description"
            autosize
            minRows={2}
            maxLength={500}
            value={description}
            onChange={(event) => setDescription(event.currentTarget.value)}
            error={errors.description}
          />
          <Checkbox.Group
            label="Permissions"
            description={
              isAdminRole
                ? 'The admin role always holds every permission, and may act on any user’s jobs.'
                : callerIsAdmin
                  ? undefined
                  : 'You can only give permissions you hold yourself.'
            }
            error={errors.permissions}
            value={isAdminRole ? permissions.map((permission) => permission.name) : chosen}
            onChange={(values) =>
              setChosen(permissions.map((permission) => permission.name).filter((name) => values.includes(name)))
            }
          >
            <Stack gap="xs" mt="xs">
              {permissions.map((permission) => {
                const held = (auth.me?.permissions ?? []).includes(permission.name);
                return (
                  <Checkbox
                    key={permission.name}
                    value={permission.name}
                    label={permission.name}
                    description={permission.description}
                    disabled={isAdminRole || (!callerIsAdmin && !held)}
                  />
                );
              })}
            </Stack>
          </Checkbox.Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {role ? 'Save' : 'Create'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Confirms deleting a role, naming the users who hold it (they lose its permissions at once). */
export function DeleteRoleDialog({ role, onClose }: { role: Role; onClose: () => void }) {
  const auth = useAuth();
  const queryClient = useQueryClient();
  const seesUsers = auth.can('user_manage');
  const holders = useQuery({
    queryKey: ['users', 'holding', role.name],
    enabled: seesUsers,
    queryFn: async () => unwrap(await api.GET('/api/v1/users', { params: { query: { role: role.name, limit: 10 } } })),
  });
  const remove = useMutation({
    mutationFn: async () => {
      const { error, response } = await api.DELETE('/api/v1/roles/{id}', { params: { path: { id: role.id } } });
      if (!response.ok) throw ApiProblem.of(response, error);
    },
    onSuccess: () => {
      notifications.show({ message: `Role ${role.name}: deleted`, color: 'teal' });
      void queryClient.invalidateQueries({ queryKey: ['roles'] });
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      void queryClient.invalidateQueries({ queryKey: ['me'] });
      onClose();
    },
  });
  const total = holders.data?.total ?? 0;
  return (
    <Modal opened onClose={onClose} title={`Delete role ${role.name}?`} size="lg">
      <Stack>
        {remove.isError && (
          <Alert color="red" title="Not deleted">
            {remove.error.message}
          </Alert>
        )}
        {seesUsers && holders.data && total > 0 && (
          <Alert color="yellow" title={`Held by ${total} user${total === 1 ? '' : 's'}`}>
            {holdersText(
              holders.data.users.map((user) => user.username),
              total,
            )}{' '}
            {total === 1 ? 'loses' : 'lose'} its permissions at once; their jobs that need a permission they no longer
            hold stop firing.
          </Alert>
        )}
        {seesUsers && holders.data && total === 0 && <Text size="sm">No user holds this role.</Text>}
        {!seesUsers && <Text size="sm">Every user holding this role loses its permissions at once.</Text>}
        {holders.isError && <Alert color="red">{holders.error.message}</Alert>}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="red"
            loading={remove.isPending}
            disabled={seesUsers && !holders.data}
            onClick={() => remove.mutate()}
          >
            Delete
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
