import type { Schedule } from './schedule.js';
import type { CatchUpPlan } from './fire-claimer.js';

/** Most runs a catch-up starts for one job without coalescing (APScheduler runs each; we cap it). */
export const MISFIRE_RUN_CAP = 100;
/** Most `missed` rows a catch-up writes for one job. */
export const MISSED_ROW_CAP = 100;
/** Most fires counted for a coalesced run's description (each step of cron arithmetic costs 65-300 µs). */
const COUNT_CAP = 100;
/** Fires read per step while looking for the latest one. */
const PAGE = 200;

export interface CatchUpJob {
  id: string;
  misfireGraceSeconds: number;
  coalesce: boolean;
  /** Each fire's start is delayed by a random 0..jitterSeconds (0 or absent: none). */
  jitterSeconds?: number;
}

const iso = (time: Date): string => time.toISOString();

/**
 * The latest fire at or before `now` and at or after `notBefore`: looks back in growing windows and
 * stops at the first that holds a fire, so the work is the number of fires in that window.
 */
function latestFire(schedule: Schedule, notBefore: Date, now: Date): Date | null {
  for (const windowMs of [2_000, 60_000, 3_600_000, 86_400_000, 31 * 86_400_000, 400 * 86_400_000]) {
    let from = new Date(Math.max(notBefore.getTime() - 1, now.getTime() - windowMs));
    const reachedStart = from.getTime() < notBefore.getTime();
    let latest: Date | null = null;
    for (;;) {
      const fires = schedule.firesBetween(from, now, PAGE);
      if (fires.length === 0) break;
      latest = fires[fires.length - 1];
      if (fires.length < PAGE) break;
      from = latest;
    }
    if (latest || reachedStart) return latest;
  }
  return null;
}

/**
 * APScheduler's misfire rules for a job whose next_run_time (`from`) has passed by more than a tick:
 * fires within `misfire_grace_seconds` of now run — once, standing for all of them, when
 * `coalesce`, else each (at most {@link MISFIRE_RUN_CAP}); older fires are recorded as `missed`
 * (at most {@link MISSED_ROW_CAP} rows), never run. The job then waits for its first fire after now.
 * Bounded work: never more than a few thousand steps of cron arithmetic, whatever the outage.
 */
export function planCatchUp(job: CatchUpJob, schedule: Schedule, from: Date, now: Date): CatchUpPlan {
  const graceStart = new Date(now.getTime() - job.misfireGraceSeconds * 1000);
  const next = schedule.nextAfter(now);

  const missed: CatchUpPlan['missed'] = [];
  if (from < graceStart) {
    const oldest = [from, ...schedule.firesBetween(from, graceStart, MISSED_ROW_CAP)]
      .filter((fire) => fire < graceStart)
      .slice(0, MISSED_ROW_CAP + 1);
    const more = oldest.length > MISSED_ROW_CAP;
    for (const fire of oldest.slice(0, MISSED_ROW_CAP)) {
      missed.push({ scheduled: fire, description: `missed: more than ${job.misfireGraceSeconds} s late` });
    }
    if (more) {
      missed[missed.length - 1].description +=
        `; later fires until ${iso(graceStart)} were missed too and are not recorded one by one`;
    }
  }

  const firstInGrace = from >= graceStart ? from : schedule.nextAfter(new Date(graceStart.getTime() - 1));
  const runs: CatchUpPlan['runs'] = [];
  if (firstInGrace && firstInGrace <= now) {
    if (job.coalesce) {
      const latest = latestFire(schedule, firstInGrace, now) ?? firstInGrace;
      const counted = [firstInGrace, ...schedule.firesBetween(firstInGrace, latest, COUNT_CAP)];
      const count = counted.length > COUNT_CAP ? `more than ${COUNT_CAP}` : String(counted.length);
      runs.push({
        scheduled: latest,
        description:
          counted.length > 1
            ? `coalesced: stands for ${count} missed fires from ${iso(firstInGrace)} to ${iso(latest)}`
            : 'late: run by the catch-up after a delay',
      });
    } else {
      const inGrace = [firstInGrace, ...schedule.firesBetween(firstInGrace, now, MISFIRE_RUN_CAP)].slice(
        0,
        MISFIRE_RUN_CAP + 1,
      );
      for (const fire of inGrace.slice(0, MISFIRE_RUN_CAP)) {
        runs.push({ scheduled: fire, description: 'late: run by the catch-up after a delay' });
      }
      if (inGrace.length > MISFIRE_RUN_CAP) {
        runs[runs.length - 1].description +=
          `; further fires until ${iso(now)} were dropped (at most ${MISFIRE_RUN_CAP} catch-up runs)`;
      }
    }
  }

  return { jobId: job.id, expectedNext: from, runs, missed, next };
}
