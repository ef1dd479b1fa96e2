/**
 * The permission catalogue and the roles seeded by the migrations: who may do what, in one file.
 * The names are part of the REST contract (API.md); the seeding migration writes the same lists.
 */
export const PERMISSIONS = [
  'job_create',
  'job_delete',
  'job_modify',
  'job_pause',
  'job_resume',
  'job_run',
  'job_view',
  'execution_view',
  'audit_view',
  'user_manage',
  'role_manage',
  'code_execute',
  'view_all',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const PERMISSION_DESCRIPTIONS: Record<Permission, string> = {
  job_create: 'Create jobs',
  job_delete: 'Delete jobs',
  job_modify: 'Change jobs',
  job_pause: 'Pause jobs',
  job_resume: 'Resume paused jobs',
  job_run: 'Run a job now, and stop running executions',
  job_view: 'See jobs and the job-class catalogue',
  execution_view: 'See executions',
  audit_view: 'See audit logs',
  user_manage: 'Create, change, disable and delete users, and set their roles',
  role_manage: 'Create, change and delete roles',
  code_execute: 'Create or change jobs whose class runs arbitrary code (ShellJob, ScriptJob) and upload scripts',
  view_all: "See (read-only) every user's jobs, executions and audit logs",
};

/** The built-in role that holds every permission and may act on every user's resources. */
export const ADMIN_ROLE = 'admin';

export const SEEDED_ROLES: Record<string, { description: string; permissions: readonly Permission[] }> = {
  [ADMIN_ROLE]: {
    description: "Every permission; may also act on any user's jobs",
    permissions: PERMISSIONS,
  },
  job_manager: {
    description: 'Creates and runs their own jobs',
    permissions: [
      'job_create',
      'job_delete',
      'job_modify',
      'job_pause',
      'job_resume',
      'job_run',
      'job_view',
      'execution_view',
      'audit_view',
    ],
  },
  viewer: {
    description: 'Sees their own jobs, executions and audit logs',
    permissions: ['job_view', 'execution_view', 'audit_view'],
  },
};

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
