import { ADMIN_ROLE } from '../../access/permissions.js';

/**
 * Which job class needs which permission (two parallel arrays, from the job-class catalogue): the
 * values of {@link refusalSql}'s `classes` and `permissions` placeholders.
 */
export interface RightsRequirements {
  classes: string[];
  permissions: string[];
}

/**
 * SQL text: why the owner (`user`, a row of `users`) may not run the job (`job`, a row of `jobs`) —
 * `the owner alice is disabled`, `the owner alice no longer holds code_execute` — or NULL when they
 * may. `classes` and `permissions` are the placeholders of {@link RightsRequirements}'s two arrays.
 * Cheap enough for the claim of thousands of fires: an array lookup and, only for classes that need a
 * permission, an EXISTS over the owner's roles. Rights are those of the API (hasPermission): a role
 * granting the permission, or the admin role.
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
