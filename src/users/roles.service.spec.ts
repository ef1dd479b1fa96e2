import { ConflictException, ForbiddenException, NotFoundException } from '@nestjs/common';
import type { ConfigService } from '@nestjs/config';
import { FakeRolesRepository, RecordingTransactions } from '../../test/support/fake-user-repositories.js';
import { fakeUser } from '../../test/support/fake-user.js';
import { fakeConfig } from '../../test/support/new-test-service.js';
import type { AuditEntry, AuditLogService } from '../audit-logs/audit-log.service.js';
import type { AppConfig } from '../config/app-config.js';
import type { RolesRepository } from '../database/repositories/roles.repository.js';
import type { Transaction, Transactions } from '../database/transactions.js';
import { OWNER_RIGHTS_CHANNEL } from '../scheduler/owner-rights.channel.js';
import { RolesService } from './roles.service.js';

function newTestService() {
  const roles = new FakeRolesRepository(['job_view', 'job_create', 'code_execute', 'role_manage']);
  const transactions = new RecordingTransactions();
  const audits: Array<{ entry: AuditEntry; transaction?: Transaction }> = [];
  const audit = {
    record: (entry: AuditEntry, transaction?: Transaction) => Promise.resolve(void audits.push({ entry, transaction })),
  } as unknown as AuditLogService;
  const service = new RolesService(
    roles as unknown as RolesRepository,
    transactions as unknown as Transactions,
    audit,
    fakeConfig({ 'auth.defaultRole': 'viewer' }) as unknown as ConfigService<AppConfig, true>,
  );
  const admin = roles.add('admin', ['job_view', 'job_create', 'code_execute', 'role_manage']);
  const viewer = roles.add('viewer', ['job_view']);
  return { service, roles, transactions, audits, admin, viewer };
}

describe('RolesService (repositories faked)', () => {
  const operator = fakeUser('operator', ['admin']);

  it('creates a role with the permissions named, audited in the same transaction', async () => {
    const { service, transactions, audits } = newTestService();
    const role = await service.create(operator, { name: 'builders', permissions: ['job_create', 'job_view'] });
    expect(role.permissions.map((permission) => permission.name).sort()).toEqual(['job_create', 'job_view']);
    expect(audits).toEqual([
      {
        entry: expect.objectContaining({
          event: 'role_created',
          description: 'created role builders with job_create, job_view',
        }),
        transaction: transactions.transaction,
      },
    ]);
  });

  it('refuses a non-admin giving a role permissions they do not hold (403)', async () => {
    const { service, roles } = newTestService();
    const manager = fakeUser('manager', ['viewer'], ['role_manage']);
    await expect(service.create(manager, { name: 'coders', permissions: ['code_execute'] })).rejects.toBeInstanceOf(
      ForbiddenException,
    );
    expect(roles.rows.map((role) => role.name)).toEqual(['admin', 'viewer']);
  });

  it('changing permissions announces an owner-rights change to every instance; a description alone does not', async () => {
    const { service, transactions, admin } = newTestService();
    const role = await service.create(operator, { name: 'builders', permissions: ['job_view'] });
    await service.update(operator, role.id, { description: 'they build' });
    expect(transactions.notified).toEqual([]);
    const updated = await service.update(operator, role.id, { permissions: ['job_view', 'code_execute'] });
    expect(updated.permissions.map((permission) => permission.name).sort()).toEqual(['code_execute', 'job_view']);
    expect(transactions.notified).toEqual([{ channel: OWNER_RIGHTS_CHANNEL, payload: { owner: null } }]);
    await expect(service.update(operator, admin.id, { permissions: ['job_view'] })).rejects.toEqual(
      new ConflictException('The admin role always holds every permission'),
    );
  });

  it('keeps the admin and the default role: no rename, no delete (409)', async () => {
    const { service, roles, admin, viewer } = newTestService();
    await expect(service.update(operator, viewer.id, { name: 'readers' })).rejects.toEqual(
      new ConflictException('Role viewer is the default role of new users (DEFAULT_ROLE)'),
    );
    await expect(service.remove(operator, admin.id)).rejects.toEqual(
      new ConflictException('The admin role is built in: only its description can change'),
    );
    expect(roles.deleted).toEqual([]);
  });

  it('deletes a role and announces it; an id that is not a uuid is 404', async () => {
    const { service, roles, transactions } = newTestService();
    const role = await service.create(operator, { name: 'temp', permissions: [] });
    await service.remove(operator, role.id);
    expect(roles.deleted).toEqual([role.id]);
    expect(transactions.notified).toEqual([{ channel: OWNER_RIGHTS_CHANNEL, payload: { owner: null } }]);
    await expect(service.get('nope')).rejects.toBeInstanceOf(NotFoundException);
    expect(await service.exists('nope')).toBe(false);
  });
});
