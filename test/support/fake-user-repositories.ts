import { randomUUID } from 'node:crypto';
import type { OwnerScope } from '../../src/access/owner-scope.js';
import { ADMIN_ROLE } from '../../src/access/permissions.js';
import type { ApiToken } from '../../src/database/entities/api-token.entity.js';
import type { PermissionEntity } from '../../src/database/entities/permission.entity.js';
import type { Role } from '../../src/database/entities/role.entity.js';
import type { User } from '../../src/database/entities/user.entity.js';
import type { ApiTokenAuthRow, NewApiToken } from '../../src/database/repositories/api-tokens.repository.js';
import type { NewRole } from '../../src/database/repositories/roles.repository.js';
import type { NewUser, UserListFilters } from '../../src/database/repositories/users.repository.js';
import type { Transaction } from '../../src/database/transactions.js';

/**
 * In-memory stand-ins of the users, roles and API-token repositories for unit tests of the services
 * that manage them (the companions of new-test-service.ts): rows in arrays, the owner scope applied
 * as the real ones do, writes recorded for the test to assert. No database, no Nest module.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const inScope = (scope: OwnerScope, ownerId: string): boolean => scope.kind === 'all' || scope.ownerId === ownerId;

/**
 * Runs work in a fake transaction that records the NOTIFYs sent through it (`pg_notify(channel,
 * payload)`, as announceOwnerRightsChange sends them), so a test sees what would be announced on commit.
 */
export class RecordingTransactions {
  runs = 0;
  readonly notified: Array<{ channel: string; payload: unknown }> = [];
  readonly transaction = {
    query: (_sql: string, values: [string, string]) => {
      this.notified.push({ channel: values[0], payload: JSON.parse(values[1]) as unknown });
      return Promise.resolve([]);
    },
  } as unknown as Transaction;

  run<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    this.runs += 1;
    return work(this.transaction);
  }
}

export class FakeRolesRepository {
  readonly rows: Role[] = [];
  readonly permissions: PermissionEntity[] = [];
  readonly deleted: string[] = [];

  constructor(permissionNames: string[] = []) {
    for (const name of permissionNames) this.permissions.push({ name, description: name });
  }

  add(name: string, permissionNames: string[] = []): Role {
    const role: Role = {
      id: randomUUID(),
      name,
      description: '',
      permissions: this.permissions.filter((permission) => permissionNames.includes(permission.name)),
      createdTime: new Date('2030-01-01T00:00:00Z'),
    };
    this.rows.push(role);
    return role;
  }

  exists(id: string): Promise<boolean> {
    return Promise.resolve(UUID.test(id) && this.rows.some((role) => role.id === id));
  }

  existsByName(name: string): Promise<boolean> {
    return Promise.resolve(this.rows.some((role) => role.name === name));
  }

  findById(id: string): Promise<Role | null> {
    const role = UUID.test(id) ? this.rows.find((row) => row.id === id) : undefined;
    return Promise.resolve(role ? { ...role, permissions: [...role.permissions] } : null);
  }

  findByName(name: string): Promise<Role | null> {
    return Promise.resolve(this.rows.find((role) => role.name === name) ?? null);
  }

  findByNames(names: string[]): Promise<Role[]> {
    return Promise.resolve(this.rows.filter((role) => names.includes(role.name)));
  }

  listPage(limit: number, offset: number): Promise<{ rows: Role[]; total: number }> {
    const rows = [...this.rows].sort((a, b) => a.name.localeCompare(b.name));
    return Promise.resolve({ rows: rows.slice(offset, offset + limit), total: rows.length });
  }

  listPermissions(): Promise<PermissionEntity[]> {
    return Promise.resolve([...this.permissions]);
  }

  findPermissions(names: string[]): Promise<PermissionEntity[]> {
    return Promise.resolve(this.permissions.filter((permission) => names.includes(permission.name)));
  }

  insert(values: NewRole): Promise<Role> {
    const role = { ...values, id: randomUUID(), createdTime: new Date('2030-01-01T00:00:00Z') };
    this.rows.push(role);
    return Promise.resolve(role);
  }

  save(role: Role): Promise<void> {
    const index = this.rows.findIndex((row) => row.id === role.id);
    this.rows[index] = { ...role };
    return Promise.resolve();
  }

  delete(id: string): Promise<void> {
    this.deleted.push(id);
    this.rows.splice(
      this.rows.findIndex((role) => role.id === id),
      1,
    );
    return Promise.resolve();
  }
}

export class FakeUsersRepository {
  readonly rows: User[] = [];
  readonly deleted: string[] = [];
  readonly passwordsSet: Array<{ id: string; passwordHash: string }> = [];
  readonly logins: string[] = [];
  adminSetLocks = 0;

  add(values: Partial<User> & { username: string }): User {
    const user: User = {
      id: randomUUID(),
      email: null,
      passwordHash: '$2b$hash',
      isActive: true,
      tokenVersion: 0,
      roles: [],
      createdTime: new Date('2030-01-01T00:00:00Z'),
      updatedTime: new Date('2030-01-01T00:00:00Z'),
      lastLogin: null,
      ...values,
    };
    this.rows.push(user);
    return user;
  }

  usernameOf(id: string): Promise<string | null> {
    return Promise.resolve(this.rows.find((user) => user.id === id)?.username ?? null);
  }

  exists(id: string): Promise<boolean> {
    return Promise.resolve(UUID.test(id) && this.rows.some((user) => user.id === id));
  }

  /** A copy, as a fresh read from the database would be. */
  findById(id: string): Promise<User | null> {
    const user = UUID.test(id) ? this.rows.find((row) => row.id === id) : undefined;
    return Promise.resolve(user ? { ...user, roles: [...user.roles] } : null);
  }

  findByUsername(username: string): Promise<User | null> {
    const user = this.rows.find((row) => row.username.toLowerCase() === username.toLowerCase());
    return Promise.resolve(user ? { ...user, roles: [...user.roles] } : null);
  }

  usernameTaken(username: string): Promise<boolean> {
    return Promise.resolve(this.rows.some((row) => row.username.toLowerCase() === username.toLowerCase()));
  }

  listPage(filters: UserListFilters, limit: number, offset: number): Promise<{ rows: User[]; total: number }> {
    const rows = this.rows.filter(
      (user) =>
        (filters.isActive === undefined || user.isActive === filters.isActive) &&
        (filters.role === undefined || user.roles.some((role) => role.name === filters.role)),
    );
    return Promise.resolve({ rows: rows.slice(offset, offset + limit), total: rows.length });
  }

  insert(values: NewUser): Promise<User> {
    return Promise.resolve(this.add(values));
  }

  save(user: User): Promise<void> {
    const index = this.rows.findIndex((row) => row.id === user.id);
    this.rows[index] = { ...user, roles: [...user.roles] };
    return Promise.resolve();
  }

  delete(id: string): Promise<void> {
    this.deleted.push(id);
    this.rows.splice(
      this.rows.findIndex((user) => user.id === id),
      1,
    );
    return Promise.resolve();
  }

  setPasswordHash(id: string, passwordHash: string): Promise<void> {
    this.passwordsSet.push({ id, passwordHash });
    const user = this.rows.find((row) => row.id === id);
    if (user) Object.assign(user, { passwordHash, tokenVersion: user.tokenVersion + 1 });
    return Promise.resolve();
  }

  recordLogin(id: string): Promise<void> {
    this.logins.push(id);
    return Promise.resolve();
  }

  lockAdminSet(): Promise<void> {
    this.adminSetLocks += 1;
    return Promise.resolve();
  }

  countOtherActiveAdmins(exceptUserId: string): Promise<number> {
    return Promise.resolve(
      this.rows.filter(
        (user) => user.id !== exceptUserId && user.isActive && user.roles.some((role) => role.name === ADMIN_ROLE),
      ).length,
    );
  }

  lockBootstrap(): Promise<void> {
    return Promise.resolve();
  }

  countHoldersOf(roleId: string): Promise<number> {
    return Promise.resolve(this.rows.filter((user) => user.roles.some((role) => role.id === roleId)).length);
  }
}

/**
 * An owned table (jobs, executions, scripts) as a user's deletion sees it: the owner of each row,
 * counted by scope and moved to another owner.
 */
export class FakeOwnedTable {
  readonly owners: string[] = [];
  readonly reassigned: Array<{ from: string; to: string }> = [];

  countOwned(scope: OwnerScope): Promise<number> {
    return Promise.resolve(this.owners.filter((owner) => inScope(scope, owner)).length);
  }

  reassignAcrossOwners(from: string, to: string): Promise<void> {
    this.reassigned.push({ from, to });
    this.owners.forEach((owner, index) => {
      if (owner === from) this.owners[index] = to;
    });
    return Promise.resolve();
  }
}

export class FakeApiTokensRepository {
  readonly rows: ApiToken[] = [];
  readonly revokedAllOf: string[] = [];
  /** What authentication finds by hash (the owner's state included), set by the test. */
  readonly authRows = new Map<string, ApiTokenAuthRow>();
  readonly uses: string[] = [];

  insert(values: NewApiToken): Promise<ApiToken> {
    const row: ApiToken = { ...values, id: randomUUID(), createdTime: new Date('2030-01-01T00:00:00Z') };
    this.rows.push(row);
    return Promise.resolve(row);
  }

  listUnrevoked(scope: OwnerScope): Promise<ApiToken[]> {
    return Promise.resolve(this.rows.filter((row) => inScope(scope, row.userId) && row.revokedTime === null));
  }

  findUnrevokedForUpdate(scope: OwnerScope, id: string): Promise<ApiToken | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    const row = this.rows.find((token) => token.id === id && inScope(scope, token.userId) && !token.revokedTime);
    return Promise.resolve(row ?? null);
  }

  revoke(id: string): Promise<void> {
    const row = this.rows.find((token) => token.id === id);
    if (row) row.revokedTime = new Date();
    return Promise.resolve();
  }

  revokeAllOfUser(userId: string): Promise<void> {
    this.revokedAllOf.push(userId);
    for (const row of this.rows) if (row.userId === userId && !row.revokedTime) row.revokedTime = new Date();
    return Promise.resolve();
  }

  findForAuthentication(tokenHash: string): Promise<ApiTokenAuthRow | null> {
    return Promise.resolve(this.authRows.get(tokenHash) ?? null);
  }

  recordUse(id: string): Promise<void> {
    this.uses.push(id);
    return Promise.resolve();
  }
}
