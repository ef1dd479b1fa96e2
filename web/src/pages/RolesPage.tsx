import { Alert, Badge, Button, Group, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useQueries } from '@tanstack/react-query';
import { useState } from 'react';
import { ADMIN_ROLE, type Caller, mayManageRole } from '../admin';
import { api, type Role, unwrap } from '../api/client';
import { PermissionNeeded } from '../components/PermissionNeeded';
import { useAuth } from '../auth';
import { usePermissions, useRoleDefaults, useRoles } from '../components/admin/queries';
import { DeleteRoleDialog, RoleDialog } from '../components/admin/RoleDialog';
import { Time } from '../components/Time';

type Open = { kind: 'new' } | { kind: 'edit' | 'delete'; role: Role } | null;

/** Roles (role_manage): seeded and custom, their permissions and holders; create, edit, delete. */
export function RolesPage() {
  const auth = useAuth();
  if (!auth.can('role_manage'))
    return <PermissionNeeded title="Roles" what="Managing roles" permission="role_manage" />;
  return <RolesList />;
}

function RolesList() {
  const auth = useAuth();
  const roles = useRoles();
  const permissions = usePermissions();
  const defaults = useRoleDefaults();
  const [open, setOpen] = useState<Open>(null);
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  const seesUsers = auth.can('user_manage');
  const list = roles.data?.roles ?? [];
  // How many users hold each role (one small request per role: there are few roles).
  const holders = useQueries({
    queries: list.map((role) => ({
      queryKey: ['users', 'holding-count', role.name],
      enabled: seesUsers,
      queryFn: async () =>
        unwrap(await api.GET('/api/v1/users', { params: { query: { role: role.name, limit: 1 } } })).total,
    })),
  });
  const caller: Caller = {
    id: auth.me?.id ?? '',
    roles: auth.me?.roles ?? [],
    permissions: auth.me?.permissions ?? [],
  };
  const defaultRole = defaults.data?.default_role;
  const descriptionOf = new Map((permissions.data?.permissions ?? []).map((p) => [p.name, p.description]));
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Roles</Title>
        <Button onClick={() => setOpen({ kind: 'new' })} disabled={!permissions.data}>
          New role
        </Button>
      </Group>
      <Text size="sm" c="dimmed">
        A user&apos;s permissions are the union of their roles&apos;. The seeded roles (admin, job_manager, viewer) can
        be edited; the admin role always holds every permission, and the default role of new users
        {defaultRole ? ` (${defaultRole})` : ''} keeps its name and cannot be deleted.
      </Text>
      {roles.isError && <Alert color="red">{roles.error.message}</Alert>}
      {permissions.isError && <Alert color="red">{permissions.error.message}</Alert>}
      {roles.data && list.length === 0 && <Text c="dimmed">No roles yet — New role.</Text>}
      {list.length > 0 && (
        <Table.ScrollContainer minWidth={phone ? 0 : 820}>
          <Table striped highlightOnHover verticalSpacing="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th visibleFrom="sm">Description</Table.Th>
                <Table.Th>Permissions</Table.Th>
                {seesUsers && <Table.Th visibleFrom="sm">Users</Table.Th>}
                <Table.Th visibleFrom="md">Created</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((role, index) => {
                const builtIn = role.name === ADMIN_ROLE;
                const isDefault = role.name === defaultRole;
                const manageable = mayManageRole(caller, role);
                const count = holders[index]?.data;
                return (
                  <Table.Tr key={role.id}>
                    <Table.Td>
                      <Stack gap={4} align="flex-start">
                        <Text size="sm" fw={600}>
                          {role.name}
                        </Text>
                        {builtIn && (
                          <Badge size="xs" color="grape" variant="light">
                            built in
                          </Badge>
                        )}
                        {isDefault && (
                          <Badge size="xs" color="blue" variant="light">
                            default role
                          </Badge>
                        )}
                        {seesUsers && count !== undefined && (
                          <Text size="xs" hiddenFrom="sm">
                            {count} user{count === 1 ? '' : 's'}
                          </Text>
                        )}
                        {(builtIn || isDefault) && (
                          <Text size="xs" c="dimmed" maw={170}>
                            {builtIn
                              ? 'Built in: cannot be deleted; only its description changes.'
                              : 'Given to new users: cannot be renamed or deleted.'}
                          </Text>
                        )}
                      </Stack>
                    </Table.Td>
                    <Table.Td maw={260} visibleFrom="sm">
                      <Text size="sm" c={role.description ? undefined : 'dimmed'}>
                        {role.description || '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td miw={phone ? undefined : 180} maw={360}>
                      <Group gap={4}>
                        {builtIn && (
                          <Text size="sm" title={role.permissions.join(', ')}>
                            every permission
                          </Text>
                        )}
                        {!builtIn && role.permissions.length === 0 && (
                          <Text size="sm" c="dimmed">
                            none
                          </Text>
                        )}
                        {!builtIn &&
                          role.permissions.map((permission) => (
                            <Badge
                              key={permission}
                              size="sm"
                              variant="outline"
                              title={descriptionOf.get(permission)}
                              style={{ textTransform: 'none' }}
                            >
                              {permission}
                            </Badge>
                          ))}
                      </Group>
                    </Table.Td>
                    {seesUsers && (
                      <Table.Td visibleFrom="sm">
                        <Text size="sm">{count ?? '…'}</Text>
                      </Table.Td>
                    )}
                    <Table.Td visibleFrom="md">
                      <Time iso={role.created_time} />
                    </Table.Td>
                    <Table.Td>
                      {manageable ? (
                        <Group gap={6} wrap={phone ? 'wrap' : 'nowrap'} maw={phone ? 70 : undefined}>
                          <Button
                            size="compact-sm"
                            variant="default"
                            disabled={!permissions.data}
                            onClick={() => setOpen({ kind: 'edit', role })}
                          >
                            Edit
                          </Button>
                          {!builtIn && !isDefault && (
                            <Button
                              size="compact-sm"
                              variant="subtle"
                              color="red"
                              onClick={() => setOpen({ kind: 'delete', role })}
                            >
                              Delete
                            </Button>
                          )}
                        </Group>
                      ) : (
                        <Text size="xs" c="dimmed" maw={180}>
                          Holds permissions you do not: only admins change it.
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {open?.kind === 'new' && permissions.data && (
        <RoleDialog
          permissions={permissions.data.permissions}
          defaultRole={defaultRole}
          onClose={() => setOpen(null)}
        />
      )}
      {open?.kind === 'edit' && permissions.data && (
        <RoleDialog
          role={open.role}
          permissions={permissions.data.permissions}
          defaultRole={defaultRole}
          onClose={() => setOpen(null)}
        />
      )}
      {open?.kind === 'delete' && <DeleteRoleDialog role={open.role} onClose={() => setOpen(null)} />}
    </Stack>
  );
}
