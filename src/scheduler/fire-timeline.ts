import type { Schedule } from './schedule.js';

/** One registered job as the timers see it. */
export interface TimelineEntry {
  jobId: string;
  schedule: Schedule;
  /** The fire the timers wait for (epoch ms); the job's next_run_time. */
  next: number;
  /** The fire after `next`, computed ahead of time so that claiming `next` needs no cron arithmetic. */
  following: number | null | undefined;
  /** Bumped on every change, so stale heap items are recognised. */
  version: number;
}

interface HeapItem {
  at: number;
  jobId: string;
  version: number;
}

/**
 * The in-memory view of when each registered job fires next: a min-heap by fire time (stale items
 * are skipped, not removed) and the precomputed following fire of each job. Pure bookkeeping, no I/O.
 */
export class FireTimeline {
  private readonly entries = new Map<string, TimelineEntry>();
  private heap: HeapItem[] = [];
  /** Entries without `following` to look at on the next {@link computeFollowing}. */
  private readonly needsFollowing = new Set<string>();
  /** Entries without `following` that were beyond the horizon when last looked at: looked at again only on request. */
  private readonly farWithoutFollowing = new Set<string>();

  get size(): number {
    return this.entries.size;
  }

  get(jobId: string): TimelineEntry | undefined {
    return this.entries.get(jobId);
  }

  /** (Re)places a job with its next fire; `following` is computed later by {@link computeFollowing}. */
  set(jobId: string, schedule: Schedule, next: Date): void {
    const version = (this.entries.get(jobId)?.version ?? 0) + 1;
    this.entries.set(jobId, { jobId, schedule, next: next.getTime(), following: undefined, version });
    this.push({ at: next.getTime(), jobId, version });
    this.needsFollowing.add(jobId);
  }

  remove(jobId: string): void {
    this.entries.delete(jobId);
    this.needsFollowing.delete(jobId);
    this.farWithoutFollowing.delete(jobId);
  }

  /** Moves a job on to a later fire (after a claim or a catch-up); null: nothing more to fire. */
  moveTo(jobId: string, next: number | null, following?: number | null): void {
    const entry = this.entries.get(jobId);
    if (!entry) return;
    if (next === null) {
      this.remove(jobId);
      return;
    }
    entry.version += 1;
    entry.next = next;
    entry.following = following;
    this.push({ at: next, jobId, version: entry.version });
    if (following === undefined) this.needsFollowing.add(jobId);
  }

  /** Earliest pending fire (epoch ms), if any. */
  earliest(): number | undefined {
    this.dropStale();
    return this.heap[0]?.at;
  }

  /** Removes and returns the entries due at or before `until` (their heap items; the entries stay). */
  takeDue(until: number): TimelineEntry[] {
    const due: TimelineEntry[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.at > until) return due;
      this.pop();
      const entry = this.entries.get(top.jobId);
      if (entry) due.push(entry);
    }
  }

  /**
   * Computes `following` for up to `budget` entries that lack it and fire before `horizon` (epoch ms);
   * later ones are set aside and looked at again only when `recheckFar` is true (so that registering
   * jobs one by one never scans all the far ones each time). Returns how many near entries still lack it.
   */
  computeFollowing(budget: number, horizon = Number.POSITIVE_INFINITY, recheckFar = false): number {
    if (recheckFar) {
      for (const jobId of this.farWithoutFollowing) this.needsFollowing.add(jobId);
      this.farWithoutFollowing.clear();
    }
    let remaining = 0;
    for (const jobId of this.needsFollowing) {
      const entry = this.entries.get(jobId);
      if (!entry || entry.following !== undefined) {
        this.needsFollowing.delete(jobId);
        continue;
      }
      if (entry.next > horizon) {
        this.needsFollowing.delete(jobId);
        this.farWithoutFollowing.add(jobId);
        continue;
      }
      if (budget-- <= 0) {
        remaining += 1;
        continue;
      }
      this.followingOf(entry);
    }
    return remaining;
  }

  /** Entries still waiting for their `following` (near or far). */
  get pendingFollowing(): number {
    return this.needsFollowing.size + this.farWithoutFollowing.size;
  }

  /** `following` of an entry, computed now if the background work has not got to it yet. */
  followingOf(entry: TimelineEntry): number | null {
    if (entry.following !== undefined) return entry.following;
    const following = entry.schedule.nextAfter(new Date(entry.next))?.getTime() ?? null;
    entry.following = following;
    this.needsFollowing.delete(entry.jobId);
    this.farWithoutFollowing.delete(entry.jobId);
    return following;
  }

  private dropStale(): void {
    for (;;) {
      const top = this.heap[0];
      if (!top) return;
      const entry = this.entries.get(top.jobId);
      if (entry && entry.version === top.version && entry.next === top.at) return;
      this.pop();
    }
  }

  private push(item: HeapItem): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].at <= item.at) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = item;
  }

  private pop(): HeapItem | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && heap[right].at < heap[left].at ? right : left;
        if (heap[child].at >= last.at) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}
