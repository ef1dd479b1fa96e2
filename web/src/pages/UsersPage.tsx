import {
  Alert,
  Badge,
  Button,
  Group,
  Menu,
  Pagination,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import {
  ApiProblem,
  type Caller,
  isLastActiveAdmin,
  LAST_ADMIN_REASON,
  LAST_ADMIN_SHORT,
  mayManageUser,
} from '../admin';
import { useMediaQuery } from '@mantine/hooks';
import { api, type Role, unwrap, type User } from '../api/client';
import { PermissionNeeded } from '../components/PermissionNeeded';
import { useAuth } from '../auth';
import { DeleteUserDialog } from '../components/admin/DeleteUserDialog';
import { useActiveAdminCount, useRoleDefaults, useRoles } from '../components/admin/queries';
import { ResetPasswordDialog } from '../components/admin/ResetPasswordDialog';
import { UserDialog } from '../components/admin/UserDialog';
import { Time } from '../components/Time';

const PAGE_SIZE = 50;
/** Badges keep their whole text in a narrow table cell (Mantine's label would shrink to an ellipsis). */
const BADGE_STYLES = { label: { overflow: 'visible' } } as const;

type Open = { kind: 'new' } | { kind: 'edit' | 'password' | 'delete'; user: User } | null;

/** Users (user_manage): search, status and role filters in the URL; create, edit, enable/disable, reset, delete. */
export function UsersPage() {
  const auth = useAuth();
  if (!auth.can('user_manage'))
    return <PermissionNeeded title="Users" what="Managing users" permission="user_manage" />;
  return <UsersList />;
}

function UsersList() {
  const auth = useAuth();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const status = params.get('status') ?? '';
  const roleFilter = params.get('role') ?? '';
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const set = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    if (!('page' in changes)) next.delete('page');
    setParams(next, { replace: true });
  };
  const [open, setOpen] = useState<Open>(null);
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  const users = useQuery({
    queryKey: ['users', 'list', q, status, roleFilter, page],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/users', {
          params: {
            query: {
              ...(q ? { q } : {}),
              ...(status ? { is_active: status === 'active' } : {}),
              ...(roleFilter ? { role: roleFilter } : {}),
              limit: PAGE_SIZE,
              offset: (page - 1) * PAGE_SIZE,
            },
          },
        }),
      ),
  });
  const roles = useRoles();
  const defaults = useRoleDefaults();
  const activeAdmins = useActiveAdminCount();
  const caller: Caller = {
    id: auth.me?.id ?? '',
    roles: auth.me?.roles ?? [],
    permissions: auth.me?.permissions ?? [],
  };
  const toggle = useMutation({
    mutationFn: async (user: User) => {
      const { data, error, response } = await api.PATCH('/api/v1/users/{id}', {
        params: { path: { id: user.id } },
        body: { is_active: !user.is_active },
      });
      if (!data) throw ApiProblem.of(response, error);
      return data;
    },
    onSuccess: (user) => {
      notifications.show({ message: `${user.username}: ${user.is_active ? 'enabled' : 'disabled'}`, color: 'teal' });
      void queryClient.invalidateQueries({ queryKey: ['users'] });
    },
    // A 409 (the last active admin, changed meanwhile elsewhere) or 403 is shown, never swallowed.
    onError: (error: Error) => {
      notifications.show({ title: 'Not changed', message: error.message, color: 'red' });
      void queryClient.invalidateQueries({ queryKey: ['users'] });
    },
  });

  const total = users.data?.total ?? 0;
  const filtered = Boolean(q || status || roleFilter);
  const roleList: Role[] = roles.data?.roles ?? [];
  const admins = activeAdmins.data ?? Number.POSITIVE_INFINITY;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Users</Title>
        <Button onClick={() => setOpen({ kind: 'new' })} disabled={!roles.data}>
          New user
        </Button>
      </Group>
      <Group>
        <TextInput
          placeholder="Search username or email"
          aria-label="Search users"
          value={q}
          onChange={(event) => set({ q: event.currentTarget.value })}
          w={{ base: '100%', xs: 260 }}
        />
        <Select
          aria-label="Status"
          data={[
            { value: '', label: 'All users' },
            { value: 'active', label: 'Active' },
            { value: 'disabled', label: 'Disabled' },
          ]}
          value={status}
          onChange={(value) => set({ status: value ?? '' })}
          allowDeselect={false}
          w={{ base: 'calc(50% - 8px)', xs: 150 }}
        />
        <Select
          aria-label="Role"
          data={[{ value: '', label: 'Any role' }, ...roleList.map((role) => ({ value: role.name, label: role.name }))]}
          value={roleFilter}
          onChange={(value) => set({ role: value ?? '' })}
          allowDeselect={false}
          w={{ base: 'calc(50% - 8px)', xs: 170 }}
        />
      </Group>
      {users.isError && <Alert color="red">{users.error.message}</Alert>}
      {roles.isError && <Alert color="red">{roles.error.message}</Alert>}
      {users.data && users.data.users.length === 0 && (
        <Text c="dimmed">{filtered ? 'No user matches these filters.' : 'No users yet — New user.'}</Text>
      )}
      {users.data && users.data.users.length > 0 && (
        <Table.ScrollContainer minWidth={phone ? 0 : 860}>
          <Table striped highlightOnHover verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>User</Table.Th>
                <Table.Th visibleFrom="sm">Status</Table.Th>
                <Table.Th>Roles</Table.Th>
                <Table.Th visibleFrom="sm">Last login</Table.Th>
                <Table.Th visibleFrom="sm">Created</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {users.data.users.map((user) => {
                const last = isLastActiveAdmin(user, admins);
                const manageable = roles.data !== undefined && mayManageUser(caller, user, roleList);
                const reasonId = `last-admin-${user.id}`;
                const actions = {
                  edit: () => setOpen({ kind: 'edit', user }),
                  toggle: () => toggle.mutate(user),
                  password: () => setOpen({ kind: 'password', user }),
                  remove: () => setOpen({ kind: 'delete', user }),
                };
                return (
                  <Table.Tr key={user.id}>
                    <Table.Td miw={phone ? undefined : 160}>
                      <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
                        {user.username}
                        {user.id === auth.me?.id && (
                          <Text component="span" size="xs" c="dimmed">
                            {' '}
                            (you)
                          </Text>
                        )}
                      </Text>
                      {user.email && (
                        <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                          {user.email}
                        </Text>
                      )}
                      {phone && !user.is_active && (
                        <Badge variant="light" color="gray" size="xs">
                          disabled
                        </Badge>
                      )}
                      {last && (
                        <Text id={reasonId} size="xs" c="orange.8" maw={240}>
                          {LAST_ADMIN_SHORT}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td visibleFrom="sm">
                      <Badge variant="light" color={user.is_active ? 'teal' : 'gray'} styles={BADGE_STYLES}>
                        {user.is_active ? 'active' : 'disabled'}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {user.roles.length === 0 && (
                          <Text size="sm" c="dimmed">
                            none
                          </Text>
                        )}
                        {user.roles.map((role) => (
                          <Badge
                            key={role}
                            variant="outline"
                            size="sm"
                            style={{ textTransform: 'none' }}
                            styles={BADGE_STYLES}
                          >
                            {role}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td visibleFrom="sm">
                      {user.last_login ? (
                        <Time iso={user.last_login} />
                      ) : (
                        <Text size="sm" c="dimmed">
                          never
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td visibleFrom="sm">
                      <Time iso={user.created_time} />
                    </Table.Td>
                    <Table.Td>
                      {manageable ? (
                        phone ? (
                          <Menu position="bottom-end" withinPortal>
                            <Menu.Target>
                              <Button size="compact-sm" variant="default" aria-label={`Actions for ${user.username}`}>
                                Actions
                              </Button>
                            </Menu.Target>
                            <Menu.Dropdown>
                              <Menu.Item onClick={actions.edit}>Edit</Menu.Item>
                              <Menu.Item onClick={actions.toggle} disabled={last}>
                                {user.is_active ? 'Disable' : 'Enable'}
                              </Menu.Item>
                              <Menu.Item onClick={actions.password}>Reset password</Menu.Item>
                              <Menu.Item color="red" onClick={actions.remove} disabled={last}>
                                Delete
                              </Menu.Item>
                            </Menu.Dropdown>
                          </Menu>
                        ) : (
                          <Group gap={6} wrap="nowrap">
                            <Button size="compact-sm" variant="default" onClick={actions.edit}>
                              Edit
                            </Button>
                            {last ? (
                              <Tooltip label={LAST_ADMIN_REASON} multiline w={240} withArrow>
                                <Button size="compact-sm" variant="default" disabled aria-describedby={reasonId}>
                                  Disable
                                </Button>
                              </Tooltip>
                            ) : (
                              <Button
                                size="compact-sm"
                                variant="default"
                                loading={toggle.isPending && toggle.variables.id === user.id}
                                onClick={actions.toggle}
                              >
                                {user.is_active ? 'Disable' : 'Enable'}
                              </Button>
                            )}
                            <Menu position="bottom-end" withinPortal>
                              <Menu.Target>
                                <Button
                                  size="compact-sm"
                                  variant="default"
                                  aria-label={`More actions for ${user.username}`}
                                >
                                  More
                                </Button>
                              </Menu.Target>
                              <Menu.Dropdown>
                                <Menu.Item onClick={actions.password}>Reset password</Menu.Item>
                                <Menu.Item
                                  color="red"
                                  onClick={actions.remove}
                                  disabled={last}
                                  aria-describedby={last ? reasonId : undefined}
                                >
                                  Delete
                                </Menu.Item>
                              </Menu.Dropdown>
                            </Menu>
                          </Group>
                        )
                      ) : (
                        roles.data && (
                          <Text size="xs" c="dimmed" maw={200}>
                            Only admins manage this user (they hold permissions you do not).
                          </Text>
                        )
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
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
      {open?.kind === 'new' && (
        <UserDialog
          caller={caller}
          roles={roleList}
          defaultRole={defaults.data?.default_role}
          activeAdmins={admins}
          onClose={() => setOpen(null)}
        />
      )}
      {open?.kind === 'edit' && (
        <UserDialog
          user={open.user}
          caller={caller}
          roles={roleList}
          defaultRole={defaults.data?.default_role}
          activeAdmins={admins}
          onClose={() => setOpen(null)}
        />
      )}
      {open?.kind === 'password' && <ResetPasswordDialog user={open.user} onClose={() => setOpen(null)} />}
      {open?.kind === 'delete' && <DeleteUserDialog user={open.user} onClose={() => setOpen(null)} />}
    </Stack>
  );
}
