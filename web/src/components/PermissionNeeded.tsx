import { Alert, Stack, Title } from '@mantine/core';

/** A page the user may not use: its heading and which permission it needs (never a blank page). */
export function PermissionNeeded({
  title,
  what,
  permission,
  order = 2,
}: {
  title: string;
  what: string;
  permission: string;
  /** The heading level: 2 for a page, lower for a section of one. */
  order?: 2 | 3 | 4;
}) {
  return (
    <Stack>
      <Title order={order}>{title}</Title>
      <Alert color="yellow" title="No permission">
        {what} needs the {permission} permission, which your roles do not give. An admin can grant it.
      </Alert>
    </Stack>
  );
}
