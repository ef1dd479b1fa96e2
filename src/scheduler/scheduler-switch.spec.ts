import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import type {
  SchedulerStateRepository,
  SchedulerSwitchView,
} from '../database/repositories/scheduler-state.repository.js';
import type { Metrics } from '../metrics/metrics.service.js';
import type { InstanceIdentity } from './instance.js';
import type { JobSync } from './job-sync.js';
import { SchedulerSwitch } from './scheduler-switch.js';
import { SchedulerSwitchSync, SWITCH_POLL_MS } from './scheduler-switch.sync.js';

const configOf = (startPaused: boolean) =>
  ({
    get: (key: string) =>
      ({ 'scheduler.startPaused': startPaused, 'scheduler.reconcileSeconds': 30, 'instances.staleSeconds': 30 })[key],
  }) as unknown as ConfigService<AppConfig, true>;

/** A row in memory, a job-sync connection that is up or down, and the hooks the sync registers. */
function newSync(startPaused: boolean) {
  const row = { paused: false, holds: new Set<string>() };
  let reads = 0;
  const repository = {
    viewOf: (id: string): Promise<SchedulerSwitchView> => {
      reads += 1;
      return Promise.resolve({ paused: row.paused, held: row.holds.has(id) });
    },
    hold: (id: string) => Promise.resolve(void row.holds.add(id)),
  };
  const channels = new Map<string, () => void>();
  const sync = {
    isListening: true,
    subscribe: (channel: string, handler: () => void) => void channels.set(channel, handler),
    onListenerResumed: () => undefined,
  };
  const config = configOf(startPaused);
  const state = new SchedulerSwitch(config);
  const switchSync = new SchedulerSwitchSync(
    state,
    repository as unknown as SchedulerStateRepository,
    sync as unknown as JobSync,
    { id: 'me' } as unknown as InstanceIdentity,
    config,
    { observeSwitch: () => undefined } as unknown as Metrics,
  );
  return { row, state, sync, switchSync, channels, reads: () => reads };
}

beforeAll(() => {
  Logger.overrideLogger(false);
});

describe('SchedulerSwitch', () => {
  it('is paused by the shared switch or by its start-paused hold, and calls the resume handlers once when both end', () => {
    const state = new SchedulerSwitch(configOf(true));
    let resumed = 0;
    state.onResume(() => (resumed += 1));
    expect([state.paused, state.reason]).toEqual([true, 'start_paused']);
    state.apply({ paused: true, held: true });
    expect(state.reason).toBe('switch');
    state.apply({ paused: false, held: true });
    expect([state.paused, state.reason, resumed]).toEqual([true, 'start_paused', 0]);
    state.apply({ paused: false, held: false });
    expect([state.paused, state.reason, resumed]).toEqual([false, null, 1]);
    state.apply({ paused: false, held: false });
    expect(resumed).toBe(1);
  });
});

describe('SchedulerSwitchSync', () => {
  afterEach(() => jest.useRealTimers());

  it('reads the row at start and on every NOTIFY', async () => {
    const { row, state, switchSync, channels } = newSync(false);
    await switchSync.onModuleInit();
    expect(state.paused).toBe(false);
    row.paused = true;
    channels.get('cronwarden_scheduler_switch')?.();
    await switchSync.reload();
    expect(state.reason).toBe('switch');
    switchSync.onApplicationShutdown();
  });

  it('started paused: writes its hold, and holds until a resume empties the holds', async () => {
    const { row, state, switchSync } = newSync(true);
    await switchSync.onModuleInit();
    expect([...row.holds]).toEqual(['me']);
    expect(state.reason).toBe('start_paused');
    row.holds.clear();
    await switchSync.reload();
    expect(state.paused).toBe(false);
    switchSync.onApplicationShutdown();
  });

  it('a NOTIFY heard while a read is under way reads once more afterwards', async () => {
    const { row, state, switchSync, reads } = newSync(false);
    await switchSync.onModuleInit();
    const before = reads();
    const first = switchSync.reload();
    row.paused = true;
    const second = switchSync.reload();
    await Promise.all([first, second]);
    expect(reads()).toBe(before + 2);
    expect(state.paused).toBe(true);
    switchSync.onApplicationShutdown();
  });

  it('re-reads every second while the LISTEN connection is down, not while it is up', async () => {
    jest.useFakeTimers();
    const { row, state, sync, switchSync, reads } = newSync(false);
    await switchSync.onModuleInit();
    const atStart = reads();
    row.paused = true;
    await jest.advanceTimersByTimeAsync(SWITCH_POLL_MS * 3);
    expect(reads()).toBe(atStart);
    expect(state.paused).toBe(false);
    sync.isListening = false;
    await jest.advanceTimersByTimeAsync(SWITCH_POLL_MS);
    expect(state.paused).toBe(true);
    switchSync.onApplicationShutdown();
  });
});
