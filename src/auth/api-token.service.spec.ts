import { createHash } from 'node:crypto';
import { PERMISSIONS } from '../access/permissions.js';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import { FakeApiTokensRepository, RecordingTransactions } from '../../test/support/fake-user-repositories.js';
import { fakeUser } from '../../test/support/fake-user.js';
import type { AuditEntry, AuditLogService } from '../audit-logs/audit-log.service.js';
import type { ApiTokensRepository } from '../database/repositories/api-tokens.repository.js';
import type { Transaction, Transactions } from '../database/transactions.js';
import { ApiTokenService, generateApiToken, hashApiToken, isApiToken, tokenRights } from './api-token.service.js';
import { InvalidTokenException } from './auth.errors.js';

describe('API tokens', () => {
  it('are cw_ and 256 random bits in base64url, different every time', () => {
    const a = generateApiToken();
    const b = generateApiToken();
    expect(a).toMatch(/^cw_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(isApiToken(a)).toBe(true);
    expect(isApiToken('eyJhbGciOiJIUzI1NiJ9.e30.x')).toBe(false);
  });

  it('are stored as their hex SHA-256', () => {
    const token = generateApiToken();
    expect(hashApiToken(token)).toBe(createHash('sha256').update(token).digest('hex'));
    expect(hashApiToken(token)).not.toContain(token.slice(3));
  });

  describe('rights: the token list intersected with the owner’s current permissions', () => {
    const owner = { roles: ['job_manager'], permissions: ['job_view', 'job_create', 'execution_view'] };

    it('without a list: all of the owner’s', () => {
      expect(tokenRights(owner, null)).toEqual({
        permissions: new Set(['job_view', 'job_create', 'execution_view']),
        isAdmin: false,
      });
    });

    it('with a list: only what the owner still holds', () => {
      expect(tokenRights(owner, ['job_view', 'user_manage'])).toEqual({
        permissions: new Set(['job_view']),
        isAdmin: false,
      });
      expect(tokenRights({ roles: [], permissions: [] }, ['job_view'])).toEqual({
        permissions: new Set(),
        isAdmin: false,
      });
    });

    it('an admin’s token acts as admin only without a list', () => {
      const admin = { roles: ['admin'], permissions: [] };
      expect(tokenRights(admin, null)).toEqual({ permissions: new Set(PERMISSIONS), isAdmin: true });
      expect(tokenRights(admin, ['job_view', 'view_all'])).toEqual({
        permissions: new Set(['job_view', 'view_all']),
        isAdmin: false,
      });
    });
  });
});

describe('ApiTokenService (repositories faked)', () => {
  function newTestService() {
    const apiTokens = new FakeApiTokensRepository();
    const transactions = new RecordingTransactions();
    const audits: Array<{ entry: AuditEntry; transaction?: Transaction }> = [];
    const audit = {
      record: (entry: AuditEntry, transaction?: Transaction) =>
        Promise.resolve(void audits.push({ entry, transaction })),
    } as unknown as AuditLogService;
    const service = new ApiTokenService(
      apiTokens as unknown as ApiTokensRepository,
      transactions as unknown as Transactions,
      audit,
    );
    return { service, apiTokens, transactions, audits };
  }
  const alice = fakeUser('alice', ['job_manager']);
  const bob = fakeUser('bob', ['job_manager']);

  it('stores only the hash and a short prefix, audits the creation in the same transaction', async () => {
    const { service, apiTokens, transactions, audits } = newTestService();
    const { row, token } = await service.create(alice, { name: 'ci', permissions: ['job_create', 'job_view'] });
    expect(apiTokens.rows).toHaveLength(1);
    expect(row).toMatchObject({ userId: 'alice', tokenHash: hashApiToken(token), prefix: token.slice(0, 11) });
    expect(JSON.stringify(apiTokens.rows)).not.toContain(token);
    expect(row.permissions).toEqual(['job_create', 'job_view']);
    expect(audits).toEqual([
      {
        entry: expect.objectContaining({ event: 'token_created', ownerId: 'alice' }),
        transaction: transactions.transaction,
      },
    ]);
  });

  it('refuses permissions the caller does not hold (400) and a past expiry (400), storing nothing', async () => {
    const { service, apiTokens } = newTestService();
    await expect(service.create(alice, { name: 'x', permissions: ['user_manage'] })).rejects.toEqual(
      new BadRequestException(['permissions: you do not hold user_manage']),
    );
    await expect(service.create(alice, { name: 'x', expiresAt: new Date(Date.now() - 1000) })).rejects.toEqual(
      new BadRequestException(['expires_at must be in the future']),
    );
    expect(apiTokens.rows).toEqual([]);
  });

  it('lists and revokes only the caller’s own tokens: another user’s, a revoked one and a non-id are 404', async () => {
    const { service, apiTokens, audits } = newTestService();
    const mine = await service.create(alice, { name: 'mine' });
    const theirs = await service.create(bob, { name: 'theirs' });
    expect((await service.list(alice)).map((row) => row.name)).toEqual(['mine']);
    await expect(service.revoke(alice, theirs.row.id)).rejects.toBeInstanceOf(NotFoundException);
    await expect(service.revoke(alice, 'not-an-id')).rejects.toBeInstanceOf(NotFoundException);
    await service.revoke(alice, mine.row.id);
    await expect(service.revoke(alice, mine.row.id)).rejects.toBeInstanceOf(NotFoundException);
    expect(apiTokens.rows.map((row) => row.revokedTime !== null)).toEqual([true, false]);
    expect(await service.list(alice)).toEqual([]);
    expect(audits.map((audit) => audit.entry.event)).toEqual(['token_created', 'token_created', 'token_revoked']);
  });

  it('authenticates by hash with the owner’s current rights; refuses unknown, revoked, disabled and expired', async () => {
    const { service, apiTokens } = newTestService();
    const row = {
      id: 't1',
      user_id: 'alice',
      token_permissions: ['job_view', 'user_manage'],
      expires_at: null,
      revoked: false,
      expired: false,
      stale: true,
      username: 'alice',
      email: null,
      is_active: true,
      roles: ['job_manager'],
      permissions: ['job_view', 'job_create'],
    };
    apiTokens.authRows.set(hashApiToken('cw_good'), row);
    const caller = await service.authenticate('cw_good');
    expect(caller).toMatchObject({ id: 'alice', apiTokenId: 't1', isAdmin: false });
    expect(caller.permissions).toEqual(new Set(['job_view']));
    expect(apiTokens.uses).toEqual(['t1']);
    await expect(service.authenticate('cw_unknown')).rejects.toEqual(new InvalidTokenException('unknown token'));
    apiTokens.authRows.set(hashApiToken('cw_off'), { ...row, is_active: false });
    await expect(service.authenticate('cw_off')).rejects.toEqual(new InvalidTokenException('revoked'));
    apiTokens.authRows.set(hashApiToken('cw_old'), { ...row, expired: true });
    await expect(service.authenticate('cw_old')).rejects.toEqual(new InvalidTokenException('expired'));
  });
});
