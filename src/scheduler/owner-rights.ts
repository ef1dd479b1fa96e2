import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { ADMIN_ROLE } from '../access/permissions.js';
import { JobClassRegistry } from '../job-classes/job-class.registry.js';

/**
 * SQL text: why the owner (`user`, a row of `users`) may not run the job (`job`, a row of `jobs`) —
 * `the owner alice is disabled`, `the owner alice no longer holds code_execute` — or NULL when they
 * may. `classes` and `permissions` are the placeholders of {@link OwnerRights.requirements}'s two
 * arrays (which class needs which permission). Cheap enough for the claim of thousands of fires: an
 * array lookup and, only for classes that need a permission, an EXISTS over the owner's roles.
 * Rights are those of the API (hasPermission): a role granting the permission, or the admin role.
 */
export function refusalSql(job: string, user: string, classes: string, permissions: string): string {
  const required = `(${permissions}::text[])[array_position(${classes}::text[], ${job}.job_class_string)]`;
  return `CASE
      WHEN NOT ${user}.is_active THEN 'the owner ' || ${user}.username || ' is disabled'
      WHEN ${required} IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id
              WHERE ur.user_id = ${user}.id
                AND (r.name = '${ADMIN_ROLE}' OR EXISTS (
                       SELECT 1 FROM role_permissions rp
                        WHERE rp.role_id = ur.role_id AND rp.permission_name = ${required})))
        THEN 'the owner ' || ${user}.username || ' no longer holds ' || ${required}
    END`;
}

/** Which jobs a review looks at. */
export type ReviewScope = { ownerId: string } | { jobId: string } | 'all';

/**
 * Rights are checked when a job fires, not only when it was saved: a job whose owner is disabled,
 * or no longer holds its class's `requires_permission`, runs nothing. The claim statements check
 * it for every fire (see FireClaimer) and record the suspension in `jobs.suspended_reason`; this
 * class also reviews suspensions at once when users or roles change (announced with NOTIFY on
 * OWNER_RIGHTS_CHANNEL), so the job object says so without waiting for the next fire.
 */
@Injectable()
export class OwnerRights {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly classes: JobClassRegistry,
  ) {}

  /** The values for refusalSql's `classes` and `permissions` placeholders. */
  requirements(): [string[], string[]] {
    const { classes, permissions } = this.classes.permissionRequirements();
    return [classes, permissions];
  }

  /**
   * Sets `suspended_reason` of the jobs in `scope` to what their owners' rights say now (a reason,
   * or null): suspends without recording an execution, and lifts suspensions. Locks only the rows it
   * changes, in id order (as the claim does, so the two never deadlock). Returns the ids changed.
   */
  async review(scope: ReviewScope, manager: EntityManager = this.dataSource.manager): Promise<string[]> {
    const values: unknown[] = this.requirements();
    let where = '';
    if (scope !== 'all') {
      values.push('ownerId' in scope ? scope.ownerId : scope.jobId);
      where = 'ownerId' in scope ? 'WHERE j.owner_id = $3' : 'WHERE j.id = $3';
    }
    const rows: Array<{ id: string }> = await manager.query(
      `WITH current AS (
         SELECT j.id, ${refusalSql('j', 'u', '$1', '$2')} AS refusal
           FROM jobs j JOIN users u ON u.id = j.owner_id ${where}
       ), changed AS (
         SELECT j.id, c.refusal FROM jobs j JOIN current c ON c.id = j.id
          WHERE j.suspended_reason IS DISTINCT FROM c.refusal
          ORDER BY j.id
            FOR UPDATE OF j
       ), updated AS (
         UPDATE jobs j SET suspended_reason = changed.refusal FROM changed WHERE j.id = changed.id
         RETURNING j.id
       )
       SELECT id FROM updated`,
      values,
    );
    return rows.map((row) => row.id);
  }
}
