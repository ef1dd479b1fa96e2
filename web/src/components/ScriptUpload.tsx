import { Alert, Button, Collapse, Group, Paper, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type DragEvent, type FormEvent, useId, useState } from 'react';
import { api, errorText, type Schemas } from '../api/client';

type Script = Schemas['ScriptResponse'];

/** The API's answer to a refused upload, for people: 413 says the size limit, 400 why the module is refused. */
function uploadError(status: number, error: unknown): Error {
  const text = errorText(error, `${status}`);
  return new Error(status === 413 ? `Too large: ${text}` : text);
}

/**
 * "Upload a script": a drop area around a file picker (a label on a visually hidden file input, so it
 * works with the keyboard and screen readers), or the source pasted with a file name.
 */
export function ScriptUpload({ onUploaded }: { onUploaded?: (script: Script) => void }) {
  const queryClient = useQueryClient();
  const inputId = useId();
  const [dragging, setDragging] = useState(false);
  const [pasting, setPasting] = useState(false);
  const [name, setName] = useState('');
  const [source, setSource] = useState('');
  const upload = useMutation({
    mutationFn: async (what: { file: File } | { name: string; source: string }): Promise<Script> => {
      const result =
        'file' in what
          ? await api.POST('/api/v1/scripts', {
              body: { file: '' },
              bodySerializer: () => {
                const form = new FormData();
                form.append('file', what.file, what.file.name);
                return form;
              },
            })
          : await api.POST('/api/v1/scripts', { body: what });
      if (!result.data) throw uploadError(result.response.status, result.error);
      return result.data;
    },
    onSuccess: (script) => {
      notifications.show({ message: `${script.name}: uploaded`, color: 'teal' });
      void queryClient.invalidateQueries({ queryKey: ['scripts'] });
      setName('');
      setSource('');
      onUploaded?.(script);
    },
  });
  const send = (file: File | undefined) => {
    if (file) upload.mutate({ file });
  };
  const drop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    send(event.dataTransfer.files[0]);
  };
  const paste = (event: FormEvent) => {
    event.preventDefault();
    upload.mutate({ name, source });
  };
  return (
    <Stack gap="xs">
      <Paper
        withBorder
        radius="md"
        p="lg"
        data-dropzone
        onDragEnter={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragOver={(event) => {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={drop}
        style={{
          borderStyle: 'dashed',
          borderWidth: 2,
          borderColor: dragging ? 'var(--mantine-color-blue-6)' : undefined,
          background: dragging ? 'var(--mantine-color-blue-0)' : undefined,
          textAlign: 'center',
        }}
      >
        <input
          id={inputId}
          type="file"
          accept=".js,.mjs,.py,text/javascript,text/x-python"
          style={{ position: 'absolute', width: 1, height: 1, opacity: 0, overflow: 'hidden' }}
          onChange={(event) => {
            send(event.currentTarget.files?.[0]);
            event.currentTarget.value = '';
          }}
        />
        <Stack gap={6} align="center">
          <Button component="label" htmlFor={inputId} variant="light" loading={upload.isPending}>
            Upload a script
          </Button>
          <Text size="sm" c="dimmed">
            or drop a file here: a .js / .mjs ES module exporting <code>run(...args)</code>, or a .py module defining{' '}
            <code>def run(*args)</code>
          </Text>
          <Button variant="subtle" size="xs" onClick={() => setPasting((open) => !open)} aria-expanded={pasting}>
            {pasting ? 'Hide the source form' : 'Paste source instead'}
          </Button>
        </Stack>
      </Paper>
      <Collapse expanded={pasting}>
        <Paper withBorder radius="md" p="md">
          <form onSubmit={paste}>
            <Stack gap="sm">
              <TextInput
                label="File name"
                placeholder="report.mjs"
                description="ends in .js or .mjs (JavaScript) or .py (Python)"
                value={name}
                onChange={(event) => setName(event.currentTarget.value)}
                required
                withAsterisk={false}
              />
              <Textarea
                label="Source"
                placeholder={'export async function run(who) {\n  return { hello: who };\n}'}
                value={source}
                onChange={(event) => setSource(event.currentTarget.value)}
                autosize
                minRows={5}
                maxRows={16}
                styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
                required
                withAsterisk={false}
              />
              <Group justify="flex-end">
                <Button type="submit" loading={upload.isPending}>
                  Upload source
                </Button>
              </Group>
            </Stack>
          </form>
        </Paper>
      </Collapse>
      {upload.isError && (
        <Alert
          color="red"
          title="Not uploaded"
          withCloseButton
          closeButtonLabel="Dismiss"
          onClose={() => upload.reset()}
        >
          {upload.error.message}
        </Alert>
      )}
    </Stack>
  );
}
