import { Alert, Stack, Title } from '@mantine/core';

/** A page the user may not use: its heading and which permission it needs (never a blank page). */
export function PermissionNeeded({ title, what, permission }: { title: string; what: string; permission: string }) {
  return (
    <Stack>
      <Title order={2}>{title}</Title>
      <Alert color="yellow" title="No permission">
        {what} needs the {permission} permission, which your roles do not give. An admin can grant it.
      </Alert>
    </Stack>
  );
}
