import { Alert, Button, Group, Loader, Modal, Select, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiProblem } from '../../admin';
import { api, unwrap, type User } from '../../api/client';

/**
 * Confirms deleting a user. One who owns jobs or scripts cannot be deleted as they are (the server
 * answers 409): the dialog then asks who takes them over (`?reassign_to=`), jobs with their
 * executions, in the same transaction; the audit trail stays.
 */
export function DeleteUserDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [heir, setHeir] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const ownership = useQuery({
    queryKey: ['users', user.id, 'ownership'],
    queryFn: async () => unwrap(await api.GET('/api/v1/users/{id}/ownership', { params: { path: { id: user.id } } })),
  });
  const candidates = useQuery({
    queryKey: ['users', 'heirs', search],
    enabled: (ownership.data?.jobs ?? 0) + (ownership.data?.scripts ?? 0) > 0,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/users', {
          params: { query: { limit: 50, is_active: true, ...(search ? { q: search } : {}) } },
        }),
      ),
  });
  const owns = ownership.data ? ownership.data.jobs + ownership.data.scripts > 0 : false;
  const remove = useMutation({
    mutationFn: async () => {
      const { error, response } = await api.DELETE('/api/v1/users/{id}', {
        params: { path: { id: user.id }, query: owns && heir ? { reassign_to: heir } : {} },
      });
      if (!response.ok) throw ApiProblem.of(response, error);
    },
    onSuccess: () => {
      notifications.show({ message: `${user.username}: deleted`, color: 'teal' });
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      void queryClient.invalidateQueries({ queryKey: ['jobs'] });
      onClose();
    },
    onError: () => void ownership.refetch(),
  });
  const heirs = (candidates.data?.users ?? []).filter((candidate) => candidate.id !== user.id);
  const what = ownership.data
    ? [
        ownership.data.jobs > 0 ? `${ownership.data.jobs} job${ownership.data.jobs === 1 ? '' : 's'}` : '',
        ownership.data.scripts > 0 ? `${ownership.data.scripts} script${ownership.data.scripts === 1 ? '' : 's'}` : '',
      ]
        .filter(Boolean)
        .join(' and ')
    : '';
  return (
    <Modal opened onClose={onClose} title={`Delete ${user.username}?`} size="lg">
      <Stack>
        {remove.isError && (
          <Alert color="red" title="Not deleted">
            {remove.error.message}
          </Alert>
        )}
        <Text size="sm">
          {user.username} can no longer sign in and their sessions end at once. Their audit log entries stay (for
          admins).
        </Text>
        {ownership.isPending && <Loader size="sm" aria-label="Checking what the user owns" />}
        {ownership.isError && <Alert color="red">{ownership.error.message}</Alert>}
        {owns && (
          <>
            <Alert color="yellow" title={`${user.username} owns ${what}`}>
              A user who owns jobs or scripts cannot be deleted with them: choose who takes them over. The jobs move
              with their executions and keep their schedules, running from then on with the rights of their new owner.
              To delete the jobs instead, delete them first on the Jobs page.
            </Alert>
            <Select
              label="Reassign jobs to"
              placeholder="Search users"
              searchable
              onSearchChange={setSearch}
              searchValue={search}
              data={heirs.map((candidate) => ({ value: candidate.id, label: candidate.username }))}
              value={heir}
              onChange={setHeir}
              nothingFoundMessage="No other active user matches"
              comboboxProps={{ withinPortal: true }}
            />
          </>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="red"
            loading={remove.isPending}
            disabled={!ownership.data || (owns && !heir)}
            onClick={() => remove.mutate()}
          >
            {owns ? 'Reassign and delete' : 'Delete'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
