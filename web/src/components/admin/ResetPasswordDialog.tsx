import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiProblem, fieldProblems, generatePassword } from '../../admin';
import { api, type User } from '../../api/client';
import { PasswordChoice, type PasswordMode, ShownOncePassword } from './PasswordChoice';

/** Sets a new password (generated or typed) through PATCH /users/:id; the user's sessions end. */
export function ResetPasswordDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<PasswordMode>('generate');
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [general, setGeneral] = useState<string[]>([]);
  const [shown, setShown] = useState<string | null>(null);
  const reset = useMutation({
    mutationFn: async (): Promise<string | null> => {
      const password = mode === 'generate' ? generatePassword() : typed;
      const {
        data,
        error: body,
        response,
      } = await api.PATCH('/api/v1/users/{id}', {
        params: { path: { id: user.id } },
        body: { password },
      });
      if (!data) throw ApiProblem.of(response, body);
      return mode === 'generate' ? password : null;
    },
    onMutate: () => {
      setError(undefined);
      setGeneral([]);
    },
    onSuccess: (password) => {
      void queryClient.invalidateQueries({ queryKey: ['users'] });
      if (password !== null) {
        setShown(password);
        return;
      }
      notifications.show({ message: `${user.username}: password changed`, color: 'teal' });
      onClose();
    },
    onError: (failure: Error) => {
      if (!(failure instanceof ApiProblem)) {
        setGeneral([failure.message]);
        return;
      }
      const split = fieldProblems(failure, ['password']);
      setError(split.fields.password);
      setGeneral(split.other);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    reset.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={`Reset the password of ${user.username}`} size="lg">
      {shown !== null ? (
        <Stack>
          <ShownOncePassword username={user.username} password={shown} />
          <Group justify="flex-end">
            <Button onClick={onClose}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            {general.length > 0 && (
              <Alert color="red" title="Not changed">
                {general.join(' ')}
              </Alert>
            )}
            <Text size="sm">
              {user.username} is signed out everywhere and signs in with the new password from then on.
            </Text>
            <PasswordChoice
              label="New password"
              mode={mode}
              onModeChange={setMode}
              typed={typed}
              onTypedChange={setTyped}
              error={error}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={reset.isPending}>
                Set password
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
