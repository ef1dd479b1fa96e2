import { notify, OWNER_RIGHTS_CHANNEL } from '../database/channels.js';
import type { Transaction } from '../database/transactions.js';

export { OWNER_RIGHTS_CHANNEL } from '../database/channels.js';

export interface OwnerRightsMessage {
  owner: string | null;
}

/**
 * Announces, when `transaction` commits, that `ownerId` was disabled or enabled, or got other roles
 * (null: a role's permissions changed, so possibly anyone's). Every instance then suspends or
 * un-suspends the jobs concerned (see OwnerRights.review). A tiny module of its own so that users/
 * (and the CLI, which has no scheduler) can announce without pulling the scheduler in.
 */
export async function announceOwnerRightsChange(transaction: Transaction, ownerId: string | null): Promise<void> {
  const message: OwnerRightsMessage = { owner: ownerId };
  await notify(transaction, OWNER_RIGHTS_CHANNEL, JSON.stringify(message));
}
