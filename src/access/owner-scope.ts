/**
 * Which owners' rows a caller may reach. Built only by {@link AccessService}; repositories take it as
 * a required argument of every list or lookup, and turn it into SQL with {@link ownerCondition}.
 */
export type OwnerScope = { readonly kind: 'all' } | { readonly kind: 'owner'; readonly ownerId: string };

export const ALL_OWNERS: OwnerScope = Object.freeze({ kind: 'all' });

export function ownScope(ownerId: string): OwnerScope {
  if (typeof ownerId !== 'string' || ownerId.length === 0) {
    throw new Error('An owner scope needs an owner id');
  }
  return Object.freeze({ kind: 'owner', ownerId });
}

/**
 * The TypeORM `where` fragment of a scope. It throws instead of returning `{ ownerId: undefined }`,
 * which TypeORM would silently drop, returning every owner's rows.
 */
export function ownerCondition(scope: OwnerScope): { ownerId: string } | Record<string, never> {
  if (scope.kind === 'all') return {};
  if (typeof scope.ownerId !== 'string' || scope.ownerId.length === 0) {
    throw new Error('Refusing an owner scope without an owner id: it would match every row');
  }
  return { ownerId: scope.ownerId };
}
