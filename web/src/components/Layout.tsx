import { AppShell, Burger, Button, Group, NavLink, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, Outlet, useLocation } from 'react-router';
import { useAuth } from '../auth';
import { LiveBadge } from '../live/LiveBadge';
import { SchedulerBanner } from './SchedulerSwitch';

const SECTIONS = [
  { to: '/', label: 'Dashboard', permission: 'job_view' },
  { to: '/jobs', label: 'Jobs', permission: 'job_view' },
  { to: '/executions', label: 'Executions', permission: 'execution_view' },
  { to: '/logs', label: 'Audit logs', permission: 'audit_view' },
  { to: '/scripts', label: 'Scripts', permission: 'code_execute' },
  { to: '/instances', label: 'Instances', permission: 'admin' },
  { to: '/users', label: 'Users', permission: 'user_manage' },
  { to: '/roles', label: 'Roles', permission: 'role_manage' },
  { to: '/account', label: 'Account', permission: null },
] as const;

export function Layout() {
  const auth = useAuth();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure();
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 200, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Menu" />
            <Link to="/" style={{ textDecoration: 'none', color: 'inherit' }}>
              <Title order={3}>Cronwarden</Title>
            </Link>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <LiveBadge />
            <Text size="sm" c="dimmed" visibleFrom="xs">
              {auth.me?.username}
            </Text>
            <Button variant="default" size="xs" onClick={() => void auth.signOut()}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {SECTIONS.filter(
          (section) =>
            section.permission === null ||
            (section.permission === 'admin' ? (auth.me?.roles ?? []).includes('admin') : auth.can(section.permission)),
        ).map((section) => (
          <NavLink
            key={section.to}
            component={Link}
            to={section.to}
            label={section.label}
            active={section.to === '/' ? location.pathname === '/' : location.pathname.startsWith(section.to)}
            onClick={close}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <SchedulerBanner />
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
