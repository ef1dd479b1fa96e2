import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import { Center, Loader, MantineProvider } from '@mantine/core';
import { ModalsProvider } from '@mantine/modals';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { AuthProvider, useAuth } from './auth';
import { Layout } from './components/Layout';
import { LiveProvider } from './live/LiveProvider';
import { AccountPage } from './pages/AccountPage';
import { DashboardPage } from './pages/DashboardPage';
import { ExecutionPage } from './pages/ExecutionPage';
import { ExecutionsPage } from './pages/ExecutionsPage';
import { InstancesPage } from './pages/InstancesPage';
import { JobPage } from './pages/JobPage';
import { JobsPage } from './pages/JobsPage';
import { LogsPage } from './pages/LogsPage';
import { RolesPage } from './pages/RolesPage';
import { ScriptPage } from './pages/ScriptPage';
import { ScriptsPage } from './pages/ScriptsPage';
import { SignInPage } from './pages/SignInPage';
import { UsersPage } from './pages/UsersPage';
import { WebhookPage } from './pages/WebhookPage';

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: 1, staleTime: 1000 } } });

/** Signed out: the sign-in page, whatever the path (the path is kept, so signing in returns to it). */
function Gate() {
  const auth = useAuth();
  const location = useLocation();
  if (auth.loading) {
    return (
      <Center mih="100vh">
        <Loader />
      </Center>
    );
  }
  if (!auth.me) return <SignInPage />;
  return (
    <Routes location={location}>
      <Route element={<Layout />}>
        <Route path="/" element={<DashboardPage />} />
        <Route path="/jobs" element={<JobsPage />} />
        <Route path="/jobs/:jobId" element={<JobPage />} />
        <Route path="/executions" element={<ExecutionsPage />} />
        <Route path="/executions/:executionId" element={<ExecutionPage />} />
        <Route path="/logs" element={<LogsPage />} />
        <Route path="/account" element={<AccountPage />} />
        <Route path="/webhooks/:webhookId" element={<WebhookPage />} />
        <Route path="/users" element={<UsersPage />} />
        <Route path="/roles" element={<RolesPage />} />
        <Route path="/scripts" element={<ScriptsPage />} />
        <Route path="/scripts/:scriptId" element={<ScriptPage />} />
        <Route path="/instances" element={<InstancesPage />} />
        <Route path="*" element={<Navigate to="/jobs" replace />} />
      </Route>
    </Routes>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <ModalsProvider>
          <Notifications />
          <BrowserRouter>
            <AuthProvider>
              <LiveProvider>
                <Gate />
              </LiveProvider>
            </AuthProvider>
          </BrowserRouter>
        </ModalsProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
