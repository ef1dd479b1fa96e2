import type { EntityManager } from 'typeorm';
import { ADMIN_ROLE } from '../access/permissions.js';

/** Serialises every change that could remove an admin, so two concurrent changes cannot remove the last two. */
const ADMIN_SET_LOCK_KEY = 0x61646d6e;

export async function lockAdminSet(manager: EntityManager): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_SET_LOCK_KEY]);
}

/** Active users holding the admin role, other than `exceptUserId`. */
export async function countOtherActiveAdmins(manager: EntityManager, exceptUserId: string): Promise<number> {
  const rows: Array<{ count: string }> = await manager.query(
    `SELECT count(DISTINCT u.id) AS count FROM users u
       JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
      WHERE r.name = $1 AND u.is_active AND u.id <> $2`,
    [ADMIN_ROLE, exceptUserId],
  );
  return Number(rows[0].count);
}
