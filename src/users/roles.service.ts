import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AuthUser } from '../access/auth-user.js';
import { ADMIN_ROLE } from '../access/permissions.js';
import { actorOf, AuditLogService } from '../audit-logs/audit-log.service.js';
import { isUniqueViolation } from '../common/postgres-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { announceOwnerRightsChange } from '../scheduler/owner-rights.channel.js';
import { sortPermissionNames } from './dto/role.response.js';
import type { CreateRoleDto, UpdateRoleDto } from './dto/role.dto.js';
import type { PermissionEntity } from '../database/entities/permission.entity.js';
import type { Role } from '../database/entities/role.entity.js';
import { RolesRepository } from '../database/repositories/roles.repository.js';
import { type Transaction, Transactions } from '../database/transactions.js';
import { assertMayGrantPermissions, permissionsOf } from './management-policy.js';

const ROLE_NOT_FOUND = 'Role not found';

/** Roles and their permissions. The admin role is built in: only its description may change. */
@Injectable()
export class RolesService {
  constructor(
    private readonly roles: RolesRepository,
    private readonly transactions: Transactions,
    private readonly audit: AuditLogService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async exists(id: string): Promise<boolean> {
    return this.roles.exists(id);
  }

  async list(limit: number, offset: number): Promise<{ rows: Role[]; total: number }> {
    return this.roles.listPage(limit, offset);
  }

  async get(id: string, transaction?: Transaction): Promise<Role> {
    const role = await this.roles.findById(id, transaction);
    if (!role) throw new NotFoundException(ROLE_NOT_FOUND);
    return role;
  }

  defaults(): { admin_role: string; default_role: string } {
    return { admin_role: ADMIN_ROLE, default_role: this.config.get('auth.defaultRole', { infer: true }) };
  }

  async listPermissions(): Promise<PermissionEntity[]> {
    const rows = await this.roles.listPermissions();
    const order = sortPermissionNames(rows.map((row) => row.name));
    return order.map((name) => rows.find((row) => row.name === name)!);
  }

  async create(actor: AuthUser, dto: CreateRoleDto): Promise<Role> {
    assertMayGrantPermissions(actor, dto.permissions);
    try {
      const id = await this.transactions.run(async (transaction) => {
        const role = await this.roles.insert(
          {
            name: dto.name,
            description: dto.description ?? '',
            permissions: await this.roles.findPermissions(dto.permissions, transaction),
          },
          transaction,
        );
        await this.audit.record(
          {
            event: 'role_created',
            actor: actorOf(actor),
            ownerId: null,
            description: `created role ${role.name} with ${sortPermissionNames(dto.permissions).join(', ') || 'no permissions'}`,
          },
          transaction,
        );
        return role.id;
      });
      return await this.get(id);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(`Role ${dto.name} exists`);
      throw error;
    }
  }

  async update(actor: AuthUser, id: string, dto: UpdateRoleDto): Promise<Role> {
    try {
      await this.transactions.run(async (transaction) => {
        const role = await this.get(id, transaction);
        this.assertMayManage(actor, role);
        const changes: string[] = [];
        if (dto.name !== undefined && dto.name !== role.name) {
          this.assertRenamable(role);
          changes.push(`name: ${role.name} → ${dto.name}`);
          role.name = dto.name;
        }
        if (dto.description !== undefined && dto.description !== role.description) {
          changes.push('description changed');
          role.description = dto.description;
        }
        if (dto.permissions !== undefined) {
          const before = sortPermissionNames(role.permissions.map((permission) => permission.name));
          const after = sortPermissionNames(dto.permissions);
          if (before.join() !== after.join()) {
            if (role.name === ADMIN_ROLE) throw new ConflictException('The admin role always holds every permission');
            assertMayGrantPermissions(actor, after);
            changes.push(`permissions: ${before.join(', ') || '(none)'} → ${after.join(', ') || '(none)'}`);
            role.permissions = await this.roles.findPermissions(after, transaction);
            // Its users may have lost or gained code_execute: their jobs are suspended or resumed.
            await announceOwnerRightsChange(transaction, null);
          }
        }
        if (changes.length === 0) return;
        await this.roles.save(role, transaction);
        await this.audit.record(
          {
            event: 'role_modified',
            actor: actorOf(actor),
            ownerId: null,
            description: `role ${role.name}: ${changes.join('; ')}`,
          },
          transaction,
        );
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(`Role ${dto.name} exists`);
      throw error;
    }
    return this.get(id);
  }

  async remove(actor: AuthUser, id: string): Promise<void> {
    await this.transactions.run(async (transaction) => {
      const role = await this.get(id, transaction);
      this.assertMayManage(actor, role);
      this.assertRenamable(role);
      await this.roles.delete(role.id, transaction);
      await announceOwnerRightsChange(transaction, null);
      await this.audit.record(
        { event: 'role_deleted', actor: actorOf(actor), ownerId: null, description: `deleted role ${role.name}` },
        transaction,
      );
    });
  }

  /** The admin role and the default role for new users must keep their names (and exist). */
  private assertRenamable(role: Role): void {
    if (role.name === ADMIN_ROLE)
      throw new ConflictException('The admin role is built in: only its description can change');
    if (role.name === this.config.get('auth.defaultRole', { infer: true })) {
      throw new ConflictException(`Role ${role.name} is the default role of new users (DEFAULT_ROLE)`);
    }
  }

  private assertMayManage(actor: AuthUser, role: Role): void {
    if (actor.isAdmin) return;
    assertMayGrantPermissions(actor, permissionsOf([role]));
  }
}
