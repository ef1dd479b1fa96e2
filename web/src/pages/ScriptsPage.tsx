import { Alert, Anchor, Group, Pagination, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { api, type Schemas, unwrap } from '../api/client';
import { seesEveryone, useAuth } from '../auth';
import { ScriptActions, type ScriptManager, useScriptManager } from '../components/ScriptActions';
import { RowCard, RowCards } from '../components/RowCard';
import { ScriptUpload } from '../components/ScriptUpload';
import { Sha } from '../components/Sha';
import { Time } from '../components/Time';
import { languageName } from '../format';
import { bytes } from '../relative-time';
import { usePhone } from '../use-phone';

type Script = Schemas['ScriptResponse'];

function UsedBy({ script }: { script: Script }) {
  if (script.jobs.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        no job
      </Text>
    );
  }
  return (
    <Stack gap={2}>
      {script.jobs.map((job) => (
        <Anchor key={job.job_id} component={Link} to={`/jobs/${job.job_id}`} size="sm">
          {job.name}
        </Anchor>
      ))}
    </Stack>
  );
}

/** On a phone, one card per script (a table of eight columns would only scroll). */
function ScriptCard({ script, everyone, manager }: { script: Script; everyone: boolean; manager: ScriptManager }) {
  return (
    <RowCard
      label={script.name}
      title={
        <Anchor component={Link} to={`/scripts/${script.script_id}`} fw={600} style={{ overflowWrap: 'anywhere' }}>
          {script.name}
        </Anchor>
      }
      actions={<ScriptActions script={script} manager={manager} />}
    >
      <Text size="xs" c="dimmed">
        {languageName(script.language)} · {bytes(script.size)}
        {everyone && ` · ${script.owner.username}`} · <Time iso={script.created_time} />
      </Text>
      <Sha value={script.sha256} />
      <Group gap={6} align="baseline">
        <Text size="sm" c="dimmed">
          Used by:
        </Text>
        <UsedBy script={script} />
      </Group>
    </RowCard>
  );
}

const PAGE_SIZE = 50;

export function ScriptsPage() {
  const auth = useAuth();
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const allowed = auth.can('code_execute');
  const scripts = useQuery({
    queryKey: ['scripts', page],
    enabled: allowed,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/scripts', { params: { query: { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE } } }),
      ),
  });
  const everyone = seesEveryone(auth);
  const phone = usePhone();
  const manager = useScriptManager();
  const total = scripts.data?.total ?? 0;
  return (
    <Stack>
      <div>
        <Title order={2}>Scripts</Title>
        <Text size="sm" c="dimmed">
          JavaScript modules for ScriptJob: each exports <code>run(...args)</code>, whose return value becomes the
          execution’s result.
        </Text>
      </div>
      {!allowed && <Alert color="gray">Scripts need the code_execute permission: ask an admin.</Alert>}
      {allowed && <ScriptUpload />}
      {manager.dialogs}
      {scripts.isError && <Alert color="red">{scripts.error.message}</Alert>}
      {scripts.data && scripts.data.scripts.length === 0 && (
        <Text c="dimmed">No scripts yet — upload one above, then make a job of it.</Text>
      )}
      {phone && scripts.data && scripts.data.scripts.length > 0 && (
        <RowCards>
          {scripts.data.scripts.map((script) => (
            <ScriptCard key={script.script_id} script={script} everyone={everyone} manager={manager} />
          ))}
        </RowCards>
      )}
      {!phone && scripts.data && scripts.data.scripts.length > 0 && (
        <Table.ScrollContainer minWidth={820}>
          <Table striped highlightOnHover verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                {everyone && <Table.Th>Owner</Table.Th>}
                <Table.Th>Language</Table.Th>
                <Table.Th>Size</Table.Th>
                <Table.Th>SHA-256</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Used by</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {scripts.data.scripts.map((script) => (
                <Table.Tr key={script.script_id}>
                  <Table.Td>
                    <Anchor component={Link} to={`/scripts/${script.script_id}`} style={{ overflowWrap: 'anywhere' }}>
                      {script.name}
                    </Anchor>
                  </Table.Td>
                  {everyone && <Table.Td>{script.owner.username}</Table.Td>}
                  <Table.Td>{languageName(script.language)}</Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{bytes(script.size)}</Table.Td>
                  <Table.Td>
                    <Sha value={script.sha256} />
                  </Table.Td>
                  <Table.Td>
                    <Time iso={script.created_time} />
                  </Table.Td>
                  <Table.Td>
                    <UsedBy script={script} />
                  </Table.Td>
                  <Table.Td>
                    <ScriptActions script={script} manager={manager} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {total > PAGE_SIZE && (
        <Group>
          <Pagination
            total={Math.ceil(total / PAGE_SIZE)}
            value={page}
            onChange={(value) => setParams({ page: String(value) }, { replace: true })}
          />
        </Group>
      )}
    </Stack>
  );
}
