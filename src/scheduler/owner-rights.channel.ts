import type { EntityManager } from 'typeorm';

/** `{owner}`: the rights of that user (null: of any user, a role changed) changed; jobs' suspensions are reviewed. */
export const OWNER_RIGHTS_CHANNEL = 'cronwarden_owner_rights';

export interface OwnerRightsMessage {
  owner: string | null;
}

/**
 * Announces, when `manager`'s transaction commits, that `ownerId` was disabled or enabled, or got
 * other roles (null: a role's permissions changed, so possibly anyone's). Every instance then
 * suspends or un-suspends the jobs concerned (see OwnerRights.review). A tiny module of its own so
 * that users/ (and the CLI, which has no scheduler) can announce without pulling the scheduler in.
 */
export async function announceOwnerRightsChange(manager: EntityManager, ownerId: string | null): Promise<void> {
  const message: OwnerRightsMessage = { owner: ownerId };
  await manager.query('SELECT pg_notify($1, $2)', [OWNER_RIGHTS_CHANNEL, JSON.stringify(message)]);
}
