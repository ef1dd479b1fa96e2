import { ownerCondition, type OwnerScope } from '../../access/owner-scope.js';

/**
 * The owner condition of raw SQL, written once for every owned table: `alias.owner_id = $n` (the
 * value appended to `values`) for an owner's scope, nothing for all owners. `extraOwnerId` narrows an
 * all-owners scope to one owner (the `owner_id` filter of callers who see everyone); it cannot widen
 * an owner's scope.
 */
export function ownerSql(scope: OwnerScope, alias: string, values: unknown[], extraOwnerId?: string): string | null {
  const ownerId = scope.kind === 'owner' ? ownerCondition(scope).ownerId : extraOwnerId;
  if (!ownerId) return null;
  values.push(ownerId);
  return `${alias}.owner_id = $${values.length}`;
}

export { isUuid } from '../../common/uuid.js';
