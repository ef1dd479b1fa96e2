import { Anchor, Button, Group, List, Modal, Stack, Text } from '@mantine/core';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Link } from 'react-router';
import { api, errorText, type Schemas } from '../api/client';
import { useAuth } from '../auth';
import { JobDialog } from './JobDialog';

type Script = Schemas['ScriptResponse'];

/** The job name offered for a new job of a script: its file name without the extension. */
export const jobNameFor = (script: Pick<Script, 'name'>): string => script.name.replace(/\.(m?js|py)$/, '');

export interface ScriptManager {
  newJob(script: Script): void;
  remove(script: Script): void;
  removing: string | null;
  /** The job dialog and the "in use" explanation: rendered once by the page, so a layout change keeps them open. */
  dialogs: ReactNode;
}

/**
 * What the script actions do: "New job from this script" opens the job dialog with ScriptJob and the
 * script id filled in; "Delete" asks first, and a 409 is explained with the jobs that use the script, linked.
 */
export function useScriptManager({ onDeleted }: { onDeleted?: () => void } = {}): ScriptManager {
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState<Script | null>(null);
  const [conflict, setConflict] = useState<{ script: Script; message: string; jobs: Script['jobs'] } | null>(null);
  const remove = useMutation({
    mutationFn: async (script: Script) => {
      const path = { params: { path: { script_id: script.script_id } } };
      const result = await api.DELETE('/api/v1/scripts/{script_id}', path);
      if (result.response.status === 409) {
        // Who uses it now (the list on screen may be older than the refusal).
        const fresh = await api.GET('/api/v1/scripts/{script_id}', path);
        setConflict({ script, message: errorText(result.error), jobs: fresh.data?.jobs ?? script.jobs });
        return false;
      }
      if (!result.response.ok) throw new Error(errorText(result.error, `${result.response.status}`));
      notifications.show({ message: `${script.name}: deleted`, color: 'teal' });
      return true;
    },
    onSuccess: (deleted) => {
      if (!deleted) return;
      void queryClient.invalidateQueries({ queryKey: ['scripts'] });
      onDeleted?.();
    },
    onError: (error: Error) => notifications.show({ title: 'Not deleted', message: error.message, color: 'red' }),
  });
  const dialogs = (
    <>
      {creating && (
        <JobDialog
          opened
          onClose={() => setCreating(null)}
          initial={{ name: jobNameFor(creating), job_class_string: 'ScriptJob', pub_args: [creating.script_id] }}
        />
      )}
      <Modal opened={conflict !== null} onClose={() => setConflict(null)} title="The script is in use">
        {conflict && (
          <Stack gap="sm">
            <Text size="sm">
              “{conflict.script.name}” cannot be deleted while a job uses it. Delete those jobs, or change them to use
              another script, then delete it.
            </Text>
            {conflict.jobs.length > 0 ? (
              <List size="sm" aria-label="Jobs that use it">
                {conflict.jobs.map((job) => (
                  <List.Item key={job.job_id}>
                    <Anchor component={Link} to={`/jobs/${job.job_id}`} onClick={() => setConflict(null)}>
                      {job.name}
                    </Anchor>
                  </List.Item>
                ))}
              </List>
            ) : (
              <Text size="sm" c="dimmed">
                {conflict.message}
              </Text>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setConflict(null)}>
                Close
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
  return {
    newJob: setCreating,
    remove: (script) =>
      modals.openConfirmModal({
        title: 'Delete this script?',
        children: `"${script.name}" is deleted for good. Jobs cannot use it afterwards.`,
        labels: { confirm: 'Delete', cancel: 'Cancel' },
        confirmProps: { color: 'red' },
        onConfirm: () => remove.mutate(script),
      }),
    removing: remove.isPending ? (remove.variables?.script_id ?? null) : null,
    dialogs,
  };
}

/** "New job from this script" (with job_create) and "Delete" (the owner's, or any as admin). */
export function ScriptActions({
  script,
  manager,
  size = 'xs',
}: {
  script: Script;
  manager: ScriptManager;
  size?: 'xs' | 'sm';
}) {
  const auth = useAuth();
  const mayAct = script.owner.id === auth.me?.id || (auth.me?.roles ?? []).includes('admin');
  return (
    <Group gap={6} wrap="nowrap">
      {auth.can('job_create') && (
        <Button size={size} variant="light" onClick={() => manager.newJob(script)}>
          New job from this script
        </Button>
      )}
      {mayAct && (
        <Button
          size={size}
          variant="subtle"
          color="red"
          onClick={() => manager.remove(script)}
          loading={manager.removing === script.script_id}
        >
          Delete
        </Button>
      )}
    </Group>
  );
}
