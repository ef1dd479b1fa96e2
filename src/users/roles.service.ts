import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In } from 'typeorm';
import type { AuthUser } from '../access/auth-user.js';
import { ADMIN_ROLE } from '../access/permissions.js';
import { actorOf, AuditLogService } from '../audit-logs/audit-log.service.js';
import { isUniqueViolation } from '../common/postgres-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { announceOwnerRightsChange } from '../scheduler/owner-rights.channel.js';
import { sortPermissionNames } from './dto/role.response.js';
import type { CreateRoleDto, UpdateRoleDto } from './dto/role.dto.js';
import { PermissionEntity } from '../database/entities/permission.entity.js';
import { Role } from '../database/entities/role.entity.js';
import { assertMayGrantPermissions, permissionsOf } from './management-policy.js';

const ROLE_NOT_FOUND = 'Role not found';
const isUuid = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/** Roles and their permissions. The admin role is built in: only its description may change. */
@Injectable()
export class RolesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditLogService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async exists(id: string): Promise<boolean> {
    return isUuid(id) && (await this.dataSource.getRepository(Role).existsBy({ id }));
  }

  async list(limit: number, offset: number): Promise<{ rows: Role[]; total: number }> {
    const [rows, total] = await this.dataSource.getRepository(Role).findAndCount({
      relations: { permissions: true },
      order: { name: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { rows, total };
  }

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<Role> {
    const role = isUuid(id) ? await manager.findOne(Role, { where: { id }, relations: { permissions: true } }) : null;
    if (!role) throw new NotFoundException(ROLE_NOT_FOUND);
    return role;
  }

  defaults(): { admin_role: string; default_role: string } {
    return { admin_role: ADMIN_ROLE, default_role: this.config.get('auth.defaultRole', { infer: true }) };
  }

  async listPermissions(): Promise<PermissionEntity[]> {
    const rows = await this.dataSource.getRepository(PermissionEntity).find();
    const order = sortPermissionNames(rows.map((row) => row.name));
    return order.map((name) => rows.find((row) => row.name === name)!);
  }

  async create(actor: AuthUser, dto: CreateRoleDto): Promise<Role> {
    assertMayGrantPermissions(actor, dto.permissions);
    try {
      const id = await this.dataSource.transaction(async (manager) => {
        const role = manager.create(Role, {
          name: dto.name,
          description: dto.description ?? '',
          permissions: await this.permissionsByName(manager, dto.permissions),
        });
        await manager.save(role);
        await this.audit.record(
          {
            event: 'role_created',
            actor: actorOf(actor),
            ownerId: null,
            description: `created role ${role.name} with ${sortPermissionNames(dto.permissions).join(', ') || 'no permissions'}`,
          },
          manager,
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
      await this.dataSource.transaction(async (manager) => {
        const role = await this.get(id, manager);
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
            role.permissions = await this.permissionsByName(manager, after);
            // Its users may have lost or gained code_execute: their jobs are suspended or resumed.
            await announceOwnerRightsChange(manager, null);
          }
        }
        if (changes.length === 0) return;
        await manager.save(role);
        await this.audit.record(
          {
            event: 'role_modified',
            actor: actorOf(actor),
            ownerId: null,
            description: `role ${role.name}: ${changes.join('; ')}`,
          },
          manager,
        );
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(`Role ${dto.name} exists`);
      throw error;
    }
    return this.get(id);
  }

  async remove(actor: AuthUser, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const role = await this.get(id, manager);
      this.assertMayManage(actor, role);
      this.assertRenamable(role);
      await manager.delete(Role, { id: role.id });
      await announceOwnerRightsChange(manager, null);
      await this.audit.record(
        { event: 'role_deleted', actor: actorOf(actor), ownerId: null, description: `deleted role ${role.name}` },
        manager,
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

  private async permissionsByName(manager: EntityManager, names: string[]): Promise<PermissionEntity[]> {
    return names.length ? manager.find(PermissionEntity, { where: { name: In(names) } }) : [];
  }
}
