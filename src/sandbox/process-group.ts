import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { GROUP_GONE_TIMEOUT_MS, KILL_AFTER_MS } from './sandbox-limits.js';

const POLL_MS = 25;

/** Sends `signal` to every process of group `pgid`; false when the group has no process left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    // EPERM: members exist that we may not signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `pgrp` and `state` from /proc/<pid>/stat (the fields after the command name, which may hold spaces). */
async function processGroupOf(pid: string): Promise<{ pgrp: number; state: string } | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], pgrp: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/**
 * Whether group `pgid` still has a process that is not a zombie. Killed grandchildren are reaped by
 * PID 1, not by us, which can take seconds (kill(-pgid, 0) still counts them): they hold nothing, so
 * they do not count.
 */
export async function groupAlive(pgid: number): Promise<boolean> {
  if (!signalGroup(pgid, 0)) return false;
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const info = await processGroupOf(entry);
    if (info?.pgrp === pgid && info.state !== 'Z' && info.state !== 'X') return true;
  }
  return false;
}

/** Resolves once group `pgid` has no live process, or false after `timeoutMs`. */
export async function waitUntilGroupGone(
  pgid: number,
  timeoutMs = KILL_AFTER_MS + GROUP_GONE_TIMEOUT_MS,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await groupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await delay(POLL_MS);
  }
  return true;
}

/**
 * Ends a process group: SIGTERM now, SIGKILL to whatever still lives `KILL_AFTER_MS` later. Only the
 * first call acts; `cancel` drops the pending SIGKILL once the group is gone.
 */
export class GroupTerminator {
  private timer: NodeJS.Timeout | undefined;
  private started = false;

  constructor(private readonly pgid: number) {}

  terminate(): void {
    if (this.started) return;
    this.started = true;
    if (!signalGroup(this.pgid, 'SIGTERM')) return;
    this.timer = setTimeout(() => signalGroup(this.pgid, 'SIGKILL'), KILL_AFTER_MS);
    this.timer.unref();
  }

  /** SIGKILL to the group now (and no second one later). */
  kill(): void {
    clearTimeout(this.timer);
    signalGroup(this.pgid, 'SIGKILL');
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}
