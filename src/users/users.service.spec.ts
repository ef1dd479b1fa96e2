import { BadRequestException, ConflictException, ForbiddenException, NotFoundException } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import {
  FakeApiTokensRepository,
  FakeOwnedTable,
  FakeRolesRepository,
  FakeUsersRepository,
  RecordingTransactions,
} from '../../test/support/fake-user-repositories.js';
import { fakeUser } from '../../test/support/fake-user.js';
import { fakeConfig } from '../../test/support/new-test-service.js';
import type { AuditEntry, AuditLogService } from '../audit-logs/audit-log.service.js';
import type { PasswordHasher } from '../auth/password-hasher.service.js';
import type { AppConfig } from '../config/app-config.js';
import type { ApiTokensRepository } from '../database/repositories/api-tokens.repository.js';
import type { ExecutionsRepository } from '../database/repositories/executions.repository.js';
import type { JobsRepository } from '../database/repositories/jobs.repository.js';
import type { RolesRepository } from '../database/repositories/roles.repository.js';
import type { ScriptsRepository } from '../database/repositories/scripts.repository.js';
import type { UsersRepository } from '../database/repositories/users.repository.js';
import type { Transaction, Transactions } from '../database/transactions.js';
import { OWNER_RIGHTS_CHANNEL } from '../scheduler/owner-rights.channel.js';
import { UsersService } from './users.service.js';

function newTestService() {
  const users = new FakeUsersRepository();
  const roles = new FakeRolesRepository(['job_view', 'job_create', 'user_manage']);
  const apiTokens = new FakeApiTokensRepository();
  const jobs = new FakeOwnedTable();
  const executions = new FakeOwnedTable();
  const scripts = new FakeOwnedTable();
  const transactions = new RecordingTransactions();
  const audits: Array<{ entry: AuditEntry; transaction?: Transaction }> = [];
  const audit = {
    record: (entry: AuditEntry, transaction?: Transaction) => Promise.resolve(void audits.push({ entry, transaction })),
  } as unknown as AuditLogService;
  const hasher = { hash: (password: string) => Promise.resolve(`hashed:${password}`) } as unknown as PasswordHasher;
  const service = new UsersService(
    users as unknown as UsersRepository,
    roles as unknown as RolesRepository,
    apiTokens as unknown as ApiTokensRepository,
    jobs as unknown as JobsRepository,
    executions as unknown as ExecutionsRepository,
    scripts as unknown as ScriptsRepository,
    transactions as unknown as Transactions,
    hasher,
    audit,
    fakeConfig({ 'auth.defaultRole': 'viewer', 'auth.passwordMinLength': 12 }) as unknown as ConfigService<
      AppConfig,
      true
    >,
  );
  const admin = roles.add('admin', ['job_view', 'job_create', 'user_manage']);
  const viewer = roles.add('viewer', ['job_view']);
  return { service, users, roles, apiTokens, jobs, executions, scripts, transactions, audits, admin, viewer };
}

describe('UsersService (repositories faked)', () => {
  const operator = fakeUser('operator', ['admin']);

  it('creates a user with the default role, hashed password, audited in the same transaction', async () => {
    const { service, users, audits, transactions } = newTestService();
    const created = await service.create(operator, { username: 'alice', password: 'a-long-passphrase-7' });
    expect(created).toMatchObject({ username: 'alice', passwordHash: 'hashed:a-long-passphrase-7', isActive: true });
    expect(created.roles.map((role) => role.name)).toEqual(['viewer']);
    expect(users.rows).toHaveLength(1);
    expect(audits).toEqual([
      {
        entry: expect.objectContaining({ event: 'user_created', ownerId: null }),
        transaction: transactions.transaction,
      },
    ]);
  });

  it('refuses an unknown role (400 naming it) and a taken username in any case (409), writing nothing', async () => {
    const { service, users, audits } = newTestService();
    await expect(
      service.create(operator, { username: 'alice', password: 'a-long-passphrase-7', roles: ['viewer', 'nope'] }),
    ).rejects.toEqual(new BadRequestException(['roles contains unknown roles: nope']));
    users.add({ username: 'Alice' });
    await expect(service.create(operator, { username: 'alice', password: 'a-long-passphrase-7' })).rejects.toEqual(
      new ConflictException('Username alice is taken'),
    );
    expect(users.rows).toHaveLength(1);
    expect(audits).toEqual([]);
  });

  it('refuses a non-admin granting the admin role (403) before looking at anything else', async () => {
    const { service, users } = newTestService();
    const manager = fakeUser('manager', ['viewer'], ['user_manage']);
    await expect(
      service.create(manager, { username: 'mallory', password: 'short', roles: ['admin'] }),
    ).rejects.toBeInstanceOf(ForbiddenException);
    expect(users.rows).toEqual([]);
  });

  it('answers 404 for an id that is not a uuid, without a database error', async () => {
    const { service } = newTestService();
    await expect(service.get('not-an-id')).rejects.toBeInstanceOf(NotFoundException);
    expect(await service.exists('not-an-id')).toBe(false);
  });

  it('disabling a user bumps their token version, revokes their API tokens and announces it', async () => {
    const { service, users, apiTokens, transactions } = newTestService();
    const alice = users.add({ username: 'alice' });
    await service.update(operator, alice.id, { is_active: false });
    expect(users.rows[0]).toMatchObject({ isActive: false, tokenVersion: 1 });
    expect(users.adminSetLocks).toBe(1);
    expect(apiTokens.revokedAllOf).toEqual([alice.id]);
    expect(transactions.notified).toEqual([{ channel: OWNER_RIGHTS_CHANNEL, payload: { owner: alice.id } }]);
  });

  it('refuses to disable, demote or delete the last active admin (409)', async () => {
    const { service, users, admin } = newTestService();
    const root = users.add({ username: 'root', roles: [admin] });
    users.add({ username: 'former', roles: [admin], isActive: false });
    const lastAdmin = new ConflictException('This is the last active admin: make another user admin first');
    await expect(service.update(operator, root.id, { is_active: false })).rejects.toEqual(lastAdmin);
    await expect(service.setRoles(operator, root.id, ['viewer'])).rejects.toEqual(lastAdmin);
    await expect(service.remove(operator, root.id)).rejects.toEqual(lastAdmin);
    expect(users.rows[0]).toMatchObject({ isActive: true, roles: [admin] });
  });

  it('refuses to delete a user who owns jobs or scripts (409), without moving anything', async () => {
    const { service, users, jobs, scripts } = newTestService();
    const alice = users.add({ username: 'alice' });
    jobs.owners.push(alice.id, alice.id);
    scripts.owners.push(alice.id);
    await expect(service.remove(operator, alice.id)).rejects.toEqual(
      new ConflictException(
        'User alice owns 2 jobs and 1 scripts: delete them first, or pass ?reassign_to=<user id> to move them',
      ),
    );
    expect(users.deleted).toEqual([]);
    expect(jobs.reassigned).toEqual([]);
  });

  it('with reassign_to moves jobs, executions and scripts through their repositories, then deletes', async () => {
    const { service, users, jobs, executions, scripts, transactions, audits } = newTestService();
    const alice = users.add({ username: 'alice' });
    const bob = users.add({ username: 'bob' });
    jobs.owners.push(alice.id, bob.id);
    executions.owners.push(alice.id);
    scripts.owners.push(alice.id);
    expect(await service.ownership(alice.id)).toEqual({ jobs: 1, scripts: 1 });
    await service.remove(operator, alice.id, bob.id);
    for (const table of [jobs, executions, scripts]) expect(table.reassigned).toEqual([{ from: alice.id, to: bob.id }]);
    expect(jobs.owners).toEqual([bob.id, bob.id]);
    expect(users.deleted).toEqual([alice.id]);
    expect(transactions.notified).toEqual([{ channel: OWNER_RIGHTS_CHANNEL, payload: { owner: bob.id } }]);
    expect(audits[0].entry).toMatchObject({
      event: 'user_deleted',
      description: `deleted user alice; 1 jobs and their executions moved to user ${bob.id}`,
    });
  });

  it('refuses reassign_to naming the user themself or nobody (400)', async () => {
    const { service, users, jobs } = newTestService();
    const alice = users.add({ username: 'alice' });
    jobs.owners.push(alice.id);
    const refused = new BadRequestException(['reassign_to must name another existing user']);
    await expect(service.remove(operator, alice.id, alice.id)).rejects.toEqual(refused);
    await expect(service.remove(operator, alice.id, '00000000-0000-4000-8000-000000000000')).rejects.toEqual(refused);
    expect(users.deleted).toEqual([]);
  });

  it('sets a new password through the repository (which bumps the token version), audited', async () => {
    const { service, users, audits } = newTestService();
    const alice = users.add({ username: 'alice' });
    await service.setPassword(operator, alice, 'another-passphrase-9', 'new_password');
    expect(users.passwordsSet).toEqual([{ id: alice.id, passwordHash: 'hashed:another-passphrase-9' }]);
    expect(audits[0].entry).toMatchObject({ event: 'user_modified', description: 'user alice: password changed' });
    await expect(service.setPassword(operator, alice, 'short', 'new_password')).rejects.toEqual(
      new BadRequestException(['new_password must be at least 12 characters long']),
    );
  });
});
