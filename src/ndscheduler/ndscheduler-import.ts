import { BadRequestException } from '@nestjs/common';
import type { AuthUser } from '../access/auth-user.js';
import { ADMIN_ROLE } from '../access/permissions.js';
import { formatTable } from '../cli-output.js';
import type { JobTransferService } from '../jobs/job-transfer.service.js';
import type { UsersService } from '../users/users.service.js';
import { mapNdschedulerJobs, type MappedJob, type NdschedulerJob, ndschedulerJobsOf } from './ndscheduler-mapping.js';

/** How long ndscheduler may take to answer `GET /api/v1/jobs`. */
const FETCH_TIMEOUT_MS = 15_000;

export interface NdschedulerImportOptions {
  /** ndscheduler's base URL, e.g. `http://host:7777`. */
  url: string;
  /** Who owns the jobs (default: the first admin, by creation). */
  owner?: string;
  dryRun: boolean;
}

export type NdschedulerImportAction = 'created' | 'would create' | 'skipped' | 'not imported';

export interface NdschedulerImportRow {
  ndscheduler_job_id: string;
  ndscheduler_name: string | null;
  ndscheduler_class: string | null;
  action: NdschedulerImportAction;
  /** The Cronwarden job: created, or the existing one of that name (skipped); null otherwise. */
  job_id: string | null;
  /** What was (or would be) created; null when not imported. */
  job: MappedJob | null;
  /** Why it was skipped or not imported. */
  reason: string | null;
}

export interface NdschedulerImportReport {
  url: string;
  owner: string;
  dry_run: boolean;
  created: number;
  skipped: number;
  not_imported: number;
  jobs: NdschedulerImportRow[];
}

export class NdschedulerImportError extends Error {}

/** ndscheduler's `GET {url}/api/v1/jobs`, checked. */
export async function fetchNdschedulerJobs(url: string): Promise<NdschedulerJob[]> {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new NdschedulerImportError(`--url ${url} is not a URL (e.g. http://host:7777)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new NdschedulerImportError(`--url ${url} must be an http:// or https:// URL`);
  }
  const endpoint = new URL('api/v1/jobs', base.href.endsWith('/') ? base.href : `${base.href}/`);
  let response: Response;
  try {
    response = await fetch(endpoint, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new NdschedulerImportError(`Cannot read ${endpoint.href}: ${cause}`);
  }
  if (!response.ok) throw new NdschedulerImportError(`${endpoint.href} answered ${response.status}`);
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new NdschedulerImportError(`${endpoint.href} did not answer JSON`);
  }
  try {
    return ndschedulerJobsOf(body);
  } catch (error) {
    throw new NdschedulerImportError(`${endpoint.href}: ${(error as Error).message}`);
  }
}

/** The user the jobs go to: --owner, which must exist, or the first admin (by creation). */
async function ownerOf(users: UsersService, username: string | undefined): Promise<{ id: string; username: string }> {
  if (username !== undefined) {
    const user = await users.findByUsername(username);
    if (!user) throw new NdschedulerImportError(`--owner ${username}: no user of that name`);
    return user;
  }
  const { rows } = await users.list({ role: ADMIN_ROLE, is_active: true }, 1000, 0);
  const first = [...rows].sort((a, b) => a.createdTime.getTime() - b.createdTime.getTime())[0];
  if (!first) throw new NdschedulerImportError('No active admin to own the jobs: name one with --owner <username>');
  return first;
}

/**
 * Reads ndscheduler's jobs and imports the ones that map through the same path as
 * `POST /api/v1/jobs/import` (everything validated first, one transaction, audited, announced to
 * running servers), skipping those whose name the owner has already (so a second run creates
 * nothing). A dry run does all of it and rolls back.
 */
export async function importFromNdscheduler(
  services: { jobs: JobTransferService; users: UsersService },
  actor: AuthUser,
  options: NdschedulerImportOptions,
): Promise<NdschedulerImportReport> {
  const owner = await ownerOf(services.users, options.owner);
  const mapped = mapNdschedulerJobs(await fetchNdschedulerJobs(options.url));
  const importable = mapped.flatMap((entry) => ('job' in entry ? [entry.job] : []));
  let outcome;
  try {
    outcome = await services.jobs.importJobs(
      actor,
      importable.map((job) => ({ ...job })),
      'skip',
      { ownerId: owner.id, dryRun: options.dryRun },
    );
  } catch (error) {
    if (!(error instanceof BadRequestException)) throw error;
    // Name the ndscheduler job behind each jobs[i] of the batch.
    const messages = (error.getResponse() as { message: string | string[] }).message;
    const named = (Array.isArray(messages) ? messages : [messages]).map((message) =>
      message.replace(/^jobs\[(\d+)\]\./, (_, index: string) => `"${importable[Number(index)]?.name}": `),
    );
    throw new NdschedulerImportError(
      `Nothing was imported; these jobs would not be valid here:\n  ${named.join('\n  ')}`,
    );
  }
  let next = 0;
  const rows = mapped.map((entry): NdschedulerImportRow => {
    const base = {
      ndscheduler_job_id: entry.source.job_id,
      ndscheduler_name: typeof entry.source.name === 'string' ? entry.source.name : null,
      ndscheduler_class: typeof entry.source.job_class_string === 'string' ? entry.source.job_class_string : null,
    };
    if (!('job' in entry)) return { ...base, action: 'not imported', job_id: null, job: null, reason: entry.reason };
    const result = outcome.jobs[next++];
    if (result.action === 'skipped') {
      return {
        ...base,
        action: 'skipped',
        job_id: result.job_id,
        job: entry.job,
        reason: `${owner.username} has a job named "${entry.job.name}" already`,
      };
    }
    return options.dryRun
      ? { ...base, action: 'would create', job_id: null, job: entry.job, reason: null }
      : { ...base, action: 'created', job_id: result.job_id, job: entry.job, reason: null };
  });
  const count = (action: NdschedulerImportAction) => rows.filter((row) => row.action === action).length;
  return {
    url: options.url,
    owner: owner.username,
    dry_run: options.dryRun,
    created: count(options.dryRun ? 'would create' : 'created'),
    skipped: count('skipped'),
    not_imported: count('not imported'),
    jobs: rows,
  };
}

/** The cron fields of a job, as crontab writes them (with the zone when given). */
function scheduleOf(job: MappedJob): string {
  const fields = [job.minute, job.hour, job.day, job.month, job.day_of_week];
  const seconds = job.second === '0' ? '' : ` (second ${job.second})`;
  return `${fields.join(' ')}${seconds}${job.timezone ? ` ${job.timezone}` : ''}`;
}

/** The report for people: a table, then one line of totals. */
export function formatNdschedulerImport(report: NdschedulerImportReport): string {
  const table = formatTable(
    ['ACTION', 'NDSCHEDULER JOB', 'NAME', 'CLASS', 'SCHEDULE', 'NOTE'],
    report.jobs.map((row) => [
      row.action,
      row.ndscheduler_job_id,
      row.job?.name ?? row.ndscheduler_name ?? '',
      row.job ? row.job.job_class_string : (row.ndscheduler_class ?? ''),
      row.job ? scheduleOf(row.job) : '',
      [row.job?.paused ? 'paused' : '', row.reason ?? ''].filter(Boolean).join('; '),
    ]),
  );
  const verb = report.dry_run ? 'would be created' : 'created';
  const totals =
    `${report.created} ${verb}, ${report.skipped} skipped (already there), ${report.not_imported} not imported; ` +
    `owner ${report.owner}${report.dry_run ? ' (dry run: nothing was written)' : ''}`;
  return report.jobs.length === 0 ? `ndscheduler at ${report.url} has no jobs` : `${table}\n\n${totals}`;
}
