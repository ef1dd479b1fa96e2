import type { QueryClient } from '@tanstack/react-query';
import type { Execution } from '../api/client';
import { type LiveEvent, liveMetaOf, patchExecutionList, touches } from './events';

/** Marks stale (and refetches, when on screen) every live query one of these events touches. */
export function invalidate(queryClient: QueryClient, events: LiveEvent[]): void {
  void queryClient.invalidateQueries({
    predicate: (query) => {
      const live = liveMetaOf(query.meta);
      return live !== null && events.some((event) => touches(live, event));
    },
  });
}

/** Puts the event's copy of an execution wherever it is cached: its own page and the lists that hold it. */
export function patchExecution(queryClient: QueryClient, execution: Execution): void {
  queryClient.setQueriesData<Execution>(
    { predicate: (query) => liveMetaOf(query.meta)?.executionId === execution.execution_id },
    (current) => (current && current.updated_time > execution.updated_time ? current : execution),
  );
  queryClient.setQueriesData<unknown>(
    {
      predicate: (query) => {
        const live = liveMetaOf(query.meta);
        return live !== null && live.executionId === undefined && live.on.includes('execution');
      },
    },
    (current: unknown) => (current === undefined ? undefined : patchExecutionList(current, execution)),
  );
}
