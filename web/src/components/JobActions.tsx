import { Button, Group } from '@mantine/core';
import { modals } from '@mantine/modals';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { api, type Job, unwrap } from '../api/client';
import { useAuth } from '../auth';
import { JobDialog } from './JobDialog';

export interface JobEditor {
  edit(job: Job): void;
  /** The edit dialog: rendered once by the page, so a switch between table and cards keeps it open. */
  dialog: ReactNode;
}

/** The job being edited and its dialog, held by the page rather than by a row. */
export function useJobEditor(): JobEditor {
  const [editing, setEditing] = useState<Job | null>(null);
  return {
    edit: setEditing,
    dialog: editing && <JobDialog job={editing} opened onClose={() => setEditing(null)} />,
  };
}

/**
 * "Run now", "Pause" / "Resume" and "Delete" for one job, each shown only when the user holds its
 * permission and may act on the job (their own, or any as admin).
 */
export function JobActions({
  job,
  editor,
  onDeleted,
  inTable = false,
}: {
  job: Job;
  editor: JobEditor;
  onDeleted?: () => void;
  /** In a table row: compact buttons on one line (elsewhere they wrap, at a size easier to tap). */
  inTable?: boolean;
}) {
  const auth = useAuth();
  const queryClient = useQueryClient();
  const mayAct = job.owner.id === auth.me?.id || (auth.me?.roles ?? []).includes('admin');
  const done = (message: string) => {
    notifications.show({ message, color: 'teal' });
    void queryClient.invalidateQueries();
  };
  const failed = (error: Error) => notifications.show({ title: 'Not done', message: error.message, color: 'red' });
  const path = { params: { path: { job_id: job.job_id } } };
  const runNow = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/executions/{job_id}', path)),
    onSuccess: () => done(`${job.name}: started`),
    onError: failed,
  });
  const pause = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/jobs/{job_id}/pause', path)),
    onSuccess: () => done(`${job.name}: paused`),
    onError: failed,
  });
  const resume = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/jobs/{job_id}/resume', path)),
    onSuccess: () => done(`${job.name}: resumed`),
    onError: failed,
  });
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/api/v1/jobs/{job_id}', path)),
    onSuccess: () => {
      done(`${job.name}: deleted`);
      onDeleted?.();
    },
    onError: failed,
  });
  if (!mayAct) return null;
  const size = inTable ? 'compact-xs' : 'xs';
  const confirmDelete = () =>
    modals.openConfirmModal({
      title: 'Delete this job?',
      children: `"${job.name}" stops firing at once. Its executions and audit log stay.`,
      labels: { confirm: 'Delete', cancel: 'Cancel' },
      confirmProps: { color: 'red' },
      onConfirm: () => remove.mutate(),
    });
  return (
    <Group gap={6} wrap={inTable ? 'nowrap' : 'wrap'}>
      {auth.can('job_run') && (
        <Button size={size} variant="light" loading={runNow.isPending} onClick={() => runNow.mutate()}>
          Run now
        </Button>
      )}
      {job.paused
        ? auth.can('job_resume') && (
            <Button size={size} variant="default" loading={resume.isPending} onClick={() => resume.mutate()}>
              Resume
            </Button>
          )
        : auth.can('job_pause') && (
            <Button size={size} variant="default" loading={pause.isPending} onClick={() => pause.mutate()}>
              Pause
            </Button>
          )}
      {auth.can('job_modify') && (
        <Button size={size} variant="default" onClick={() => editor.edit(job)}>
          Edit
        </Button>
      )}
      {auth.can('job_delete') && (
        <Button size={size} variant="subtle" color="red" onClick={confirmDelete}>
          Delete
        </Button>
      )}
    </Group>
  );
}
