import { ALL_OWNERS, ownerCondition, ownScope, type OwnerScope } from './owner-scope.js';

describe('owner scopes', () => {
  it('turn "own rows" into an ownerId condition and "all" into none', () => {
    expect(ownerCondition(ownScope('u-1'))).toEqual({ ownerId: 'u-1' });
    expect(ownerCondition(ALL_OWNERS)).toEqual({});
  });

  it('refuse to build a scope without an owner', () => {
    expect(() => ownScope('')).toThrow('An owner scope needs an owner id');
    expect(() => ownScope(undefined as unknown as string)).toThrow('An owner scope needs an owner id');
  });

  it('throw rather than return { ownerId: undefined }, which TypeORM would drop, matching every row', () => {
    const forged = { kind: 'owner', ownerId: undefined } as unknown as OwnerScope;
    expect(() => ownerCondition(forged)).toThrow('Refusing an owner scope without an owner id');
  });
});
