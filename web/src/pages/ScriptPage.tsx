import { Alert, Anchor, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { Field } from '../components/Field';
import { ScriptActions, useScriptManager } from '../components/ScriptActions';
import { ScriptSource } from '../components/ScriptSource';
import { Sha } from '../components/Sha';
import { Time } from '../components/Time';
import { languageName } from '../format';
import { bytes } from '../relative-time';

export function ScriptPage() {
  const { scriptId = '' } = useParams();
  const navigate = useNavigate();
  const manager = useScriptManager({ onDeleted: () => void navigate('/scripts') });
  const script = useQuery({
    queryKey: ['scripts', 'one', scriptId],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/scripts/{script_id}', { params: { path: { script_id: scriptId } } })),
  });
  if (script.isError) return <Alert color="red">{script.error.message}</Alert>;
  if (!script.data) return <Text c="dimmed">Loading…</Text>;
  const data = script.data;
  return (
    <Stack>
      <Group justify="space-between" align="flex-start">
        <div style={{ minWidth: 0 }}>
          <Anchor component={Link} to="/scripts" size="sm">
            ← Scripts
          </Anchor>
          <Title order={2} style={{ overflowWrap: 'anywhere' }}>
            {data.name}
          </Title>
        </div>
        <ScriptActions script={data} size="sm" manager={manager} />
      </Group>
      <Card withBorder>
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 2, md: 5 }}>
            <Field label="Language">{languageName(data.language)}</Field>
            <Field label="Size">{bytes(data.size)}</Field>
            <Field label="SHA-256">
              <Sha value={data.sha256} />
            </Field>
            <Field label="Created">
              <Time iso={data.created_time} wrap />
            </Field>
            <Field label="Owner">{data.owner.username}</Field>
          </SimpleGrid>
          <Field label="Used by">
            {data.jobs.length === 0 ? (
              <Text size="sm" c="dimmed">
                No job uses it yet.
              </Text>
            ) : (
              <Group gap="sm">
                {data.jobs.map((job) => (
                  <Anchor key={job.job_id} component={Link} to={`/jobs/${job.job_id}`} size="sm">
                    {job.name}
                  </Anchor>
                ))}
              </Group>
            )}
          </Field>
        </Stack>
      </Card>
      {manager.dialogs}
      <Title order={3}>Source</Title>
      <ScriptSource source={data.source} language={data.language} />
    </Stack>
  );
}
