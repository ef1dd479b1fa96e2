import { Anchor, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { type NavigateFunction, useNavigate } from 'react-router';
import { type Execution, session } from '../api/client';
import { useAuth } from '../auth';
import { LiveConnection, type LiveStatus } from './connection';
import { invalidate, patchExecution } from './cache';
import { failureToast, type LiveEvent, type LiveMeta, liveMeta, parseLiveEvent, Throttle } from './events';

interface LiveState {
  status: LiveStatus;
  /** The event stream is open: views update from it and do not poll. */
  connected: boolean;
}

const LiveContext = createContext<LiveState>({ status: 'stopped', connected: false });

/** Lists are fetched again at most this often however many events arrive. */
const INVALIDATE_EVERY_MS = 500;

function showFailure(execution: Execution, meId: string, navigate: NavigateFunction, shown: Set<string>): void {
  const toast = failureToast(execution, meId);
  if (!toast || shown.has(toast.id)) return;
  shown.add(toast.id);
  notifications.show({
    id: toast.id,
    color: 'red',
    title: toast.title,
    autoClose: 15_000,
    message: (
      <Text size="sm" component="span">
        {toast.message}{' '}
        <Anchor
          href={toast.href}
          size="sm"
          onClick={(event) => {
            event.preventDefault();
            notifications.hide(toast.id);
            void navigate(toast.href);
          }}
        >
          Open the execution
        </Anchor>
      </Text>
    ),
  });
}

/**
 * Keeps the signed-in user's views fresh from `GET /api/v1/events`: patches executions in the
 * caches, fetches the lists an event may change again (at most every 500 ms), fetches every live
 * list again after a reconnect or a `resync`, and shows a toast when a run of the user's own job
 * fails. Closes the stream on sign-out.
 */
export function LiveProvider({ children }: { children: ReactNode }) {
  const { me } = useAuth();
  const meId = me?.id;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const navigateRef = useRef(navigate);
  navigateRef.current = navigate;
  const [status, setStatus] = useState<LiveStatus>('stopped');

  useEffect(() => {
    if (!meId) {
      setStatus('stopped');
      return;
    }
    const shown = new Set<string>();
    const throttle = new Throttle<LiveEvent>(INVALIDATE_EVERY_MS, (events) => invalidate(queryClient, events));
    const connection = new LiveConnection({
      url: '/api/v1/events',
      token: () => session.get(),
      onStatus: setStatus,
      onReopen: () => invalidate(queryClient, [{ kind: 'resync' }]),
      onUnauthorized: (token) => session.recover(token),
      onEvent: (message) => {
        const event = parseLiveEvent(message);
        if (!event) return;
        if (event.kind === 'resync') {
          throttle.cancel();
          invalidate(queryClient, [event]);
          return;
        }
        if (event.kind === 'execution') {
          patchExecution(queryClient, event.execution);
          showFailure(event.execution, meId, navigateRef.current, shown);
        }
        throttle.push(event);
      },
    });
    void connection.run();
    return () => {
      connection.stop();
      throttle.cancel();
    };
  }, [meId, queryClient]);

  const value = useMemo<LiveState>(() => ({ status, connected: status === 'live' }), [status]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLive(): LiveState {
  return useContext(LiveContext);
}

/**
 * The options that make a query live, to spread into `useQuery`: refreshed by the events it
 * declares, and polled every `poll` ms only while the stream is down.
 * `useQuery({ queryKey, queryFn, ...useLiveOptions({ on: ['execution'], poll: 3000 }) })`
 */
export function useLiveOptions(live: LiveMeta & { poll: number }): {
  meta: { live: LiveMeta };
  refetchInterval: number | false;
} {
  const { connected } = useLive();
  const { poll, ...declared } = live;
  return { meta: liveMeta(declared), refetchInterval: connected ? false : poll };
}
