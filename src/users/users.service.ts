import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { revokeApiTokensOf } from '../auth/api-token.service.js';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In } from 'typeorm';
import type { AuthUser } from '../access/auth-user.js';
import { ADMIN_ROLE } from '../access/permissions.js';
import { actorOf, AuditLogService } from '../audit-logs/audit-log.service.js';
import { PasswordHasher } from '../auth/password-hasher.service.js';
import { passwordProblem } from '../auth/password-policy.js';
import { isUniqueViolation } from '../common/postgres-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { announceOwnerRightsChange } from '../scheduler/owner-rights.channel.js';
import { countOtherActiveAdmins, lockAdminSet } from './admin-lock.js';
import type { CreateUserDto, UpdateUserDto } from './dto/user.dto.js';
import { Role } from '../database/entities/role.entity.js';
import { Job } from '../database/entities/job.entity.js';
import { User } from '../database/entities/user.entity.js';
import { assertMayGrant, assertMayManageUser } from './management-policy.js';

export interface UserFilters {
  q?: string;
  role?: string;
  is_active?: boolean;
}

const USER_NOT_FOUND = 'User not found';
const LAST_ADMIN = 'This is the last active admin: make another user admin first';

function assertAllKnown(names: string[], roles: Role[]): void {
  const unknown = names.filter((name) => !roles.some((role) => role.name === name));
  if (unknown.length > 0) throw new BadRequestException([`roles contains unknown roles: ${unknown.join(', ')}`]);
}

const isUuid = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/** Users and their roles. Every change is audited in the same transaction. */
@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditLogService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async exists(id: string): Promise<boolean> {
    return isUuid(id) && (await this.dataSource.getRepository(User).existsBy({ id }));
  }

  /** A page of users (by username), optionally only those matching `q`, holding `role`, or active/disabled. */
  async list(filters: UserFilters, limit: number, offset: number): Promise<{ rows: User[]; total: number }> {
    const query = this.dataSource
      .getRepository(User)
      .createQueryBuilder('user')
      .leftJoinAndSelect('user.roles', 'role')
      .orderBy('user.username', 'ASC')
      .addOrderBy('user.id', 'ASC')
      .take(limit)
      .skip(offset);
    if (filters.q) {
      const pattern = `%${filters.q.replace(/[\\%_]/g, '\\$&')}%`;
      query.andWhere('(user.username ILIKE :pattern OR user.email ILIKE :pattern)', { pattern });
    }
    if (filters.role !== undefined) {
      query.andWhere(
        `user.id IN (SELECT ur.user_id FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE r.name = :roleName)`,
        { roleName: filters.role },
      );
    }
    if (filters.is_active !== undefined) query.andWhere('user.is_active = :isActive', { isActive: filters.is_active });
    const [rows, total] = await query.getManyAndCount();
    return { rows, total };
  }

  /** How many jobs and scripts the user owns (what DELETE without reassign_to refuses). */
  async ownership(id: string): Promise<{ jobs: number; scripts: number }> {
    const [row]: Array<{ jobs: string; scripts: string }> = await this.dataSource.query(
      `SELECT (SELECT count(*) FROM jobs WHERE owner_id = $1) AS jobs,
              (SELECT count(*) FROM scripts WHERE owner_id = $1) AS scripts`,
      [id],
    );
    return { jobs: Number(row.jobs), scripts: Number(row.scripts) };
  }

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<User> {
    const user = isUuid(id)
      ? await manager.findOne(User, { where: { id }, relations: { roles: { permissions: true } } })
      : null;
    if (!user) throw new NotFoundException(USER_NOT_FOUND);
    return user;
  }

  /** By name, case-insensitively (for login and the CLI). */
  async findByUsername(username: string): Promise<User | null> {
    return this.dataSource
      .getRepository(User)
      .createQueryBuilder('user')
      .leftJoinAndSelect('user.roles', 'role')
      .leftJoinAndSelect('role.permissions', 'permission')
      .where('lower(user.username) = lower(:username)', { username })
      .getOne();
  }

  /** Check order: 403 (roles the caller may not grant), then 400 (unknown role, weak password), then 409. */
  async create(actor: AuthUser, dto: CreateUserDto): Promise<User> {
    const roleNames = dto.roles ?? [this.config.get('auth.defaultRole', { infer: true })];
    const known = await this.findRoles(this.dataSource.manager, roleNames);
    assertMayGrant(actor, known);
    assertAllKnown(roleNames, known);
    this.assertPasswordAcceptable(dto.password, 'password', dto.username);
    const passwordHash = await this.hasher.hash(dto.password);
    try {
      const id = await this.dataSource.transaction(async (manager) => {
        const roles = await this.rolesByName(manager, roleNames);
        await this.assertUsernameFree(manager, dto.username);
        const user = manager.create(User, {
          username: dto.username,
          email: dto.email ?? null,
          passwordHash,
          isActive: dto.is_active ?? true,
          roles,
        });
        await manager.save(user);
        await this.audit.record(
          {
            event: 'user_created',
            actor: actorOf(actor),
            ownerId: null,
            description: `created user ${user.username} with roles ${roleNames.join(', ') || '(none)'}`,
          },
          manager,
        );
        return user.id;
      });
      return await this.get(id);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException(`Username ${dto.username} is taken`);
      throw error;
    }
  }

  async update(actor: AuthUser, id: string, dto: UpdateUserDto): Promise<User> {
    const current = await this.get(id);
    assertMayManageUser(actor, current.roles);
    if (dto.password !== undefined) this.assertPasswordAcceptable(dto.password, 'password', current.username);
    const passwordHash = dto.password !== undefined ? await this.hasher.hash(dto.password) : undefined;
    await this.dataSource.transaction(async (manager) => {
      await lockAdminSet(manager);
      const user = await this.get(id, manager);
      const changes: string[] = [];
      if (dto.email !== undefined && dto.email !== user.email) {
        changes.push(`email: ${user.email ?? '(none)'} → ${dto.email ?? '(none)'}`);
        user.email = dto.email;
      }
      if (dto.is_active !== undefined && dto.is_active !== user.isActive) {
        if (!dto.is_active) await this.assertNotLastAdmin(manager, user);
        changes.push(`is_active: ${user.isActive} → ${dto.is_active}`);
        user.isActive = dto.is_active;
        if (!dto.is_active) {
          user.tokenVersion += 1;
          await revokeApiTokensOf(manager, user.id);
        }
      }
      if (passwordHash) {
        changes.push('password changed');
        user.passwordHash = passwordHash;
        user.tokenVersion += 1;
      }
      if (changes.length === 0) return;
      await manager.save(user);
      // Disabled: nothing of their jobs runs any more; enabled again: their jobs fire again.
      if (dto.is_active !== undefined) await announceOwnerRightsChange(manager, user.id);
      await this.recordModified(manager, actor, user, changes.join('; '));
    });
    return this.get(id);
  }

  async setRoles(actor: AuthUser, id: string, roleNames: string[]): Promise<User> {
    await this.dataSource.transaction(async (manager) => {
      await lockAdminSet(manager);
      const user = await this.get(id, manager);
      assertMayManageUser(actor, user.roles);
      const roles = await this.findRoles(manager, roleNames);
      assertMayGrant(actor, roles);
      assertAllKnown(roleNames, roles);
      const before = user.roles.map((role) => role.name).sort();
      const after = roles.map((role) => role.name).sort();
      if (before.includes(ADMIN_ROLE) && !after.includes(ADMIN_ROLE)) await this.assertNotLastAdmin(manager, user);
      user.roles = roles;
      await manager.save(user);
      // Losing (or regaining) code_execute suspends (or resumes) their ShellJobs and ScriptJobs.
      if (before.join() !== after.join()) await announceOwnerRightsChange(manager, user.id);
      await this.recordModified(
        manager,
        actor,
        user,
        `roles: ${before.join(', ') || '(none)'} → ${after.join(', ') || '(none)'}`,
      );
    });
    return this.get(id);
  }

  /**
   * Deletes a user. One who owns jobs is refused (409) unless `reassignTo` names the user who takes
   * them over, with their executions; audit entries stay (those owned by the deleted user, for admins).
   */
  async remove(actor: AuthUser, id: string, reassignTo?: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await lockAdminSet(manager);
      const user = await this.get(id, manager);
      assertMayManageUser(actor, user.roles);
      await this.assertNotLastAdmin(manager, user);
      const jobs = await manager.count(Job, { where: { ownerId: user.id } });
      const [{ scripts }]: Array<{ scripts: string }> = await manager.query(
        'SELECT count(*) AS scripts FROM scripts WHERE owner_id = $1',
        [user.id],
      );
      let moved = '';
      if (reassignTo !== undefined) {
        if (reassignTo === user.id || !(await manager.existsBy(User, { id: reassignTo }))) {
          throw new BadRequestException(['reassign_to must name another existing user']);
        }
        await manager.update(Job, { ownerId: user.id }, { ownerId: reassignTo });
        await manager.query('UPDATE executions SET owner_id = $2 WHERE owner_id = $1', [user.id, reassignTo]);
        await manager.query('UPDATE scripts SET owner_id = $2 WHERE owner_id = $1', [user.id, reassignTo]);
        moved = jobs > 0 ? `; ${jobs} jobs and their executions moved to user ${reassignTo}` : '';
        // The jobs now run with the rights of their new owner.
        if (jobs > 0) await announceOwnerRightsChange(manager, reassignTo);
      } else if (jobs > 0 || Number(scripts) > 0) {
        throw new ConflictException(
          `User ${user.username} owns ${jobs} jobs and ${scripts} scripts: delete them first, or pass ?reassign_to=<user id> to move them`,
        );
      }
      await manager.delete(User, { id: user.id });
      await this.audit.record(
        {
          event: 'user_deleted',
          actor: actor.id === user.id ? { id: null, username: actor.username } : actorOf(actor),
          ownerId: null,
          description: `deleted user ${user.username}${moved}`,
        },
        manager,
      );
    });
  }

  /** Sets a new password (self-service or operator reset) and revokes every earlier token. */
  async setPassword(actor: AuthUser, user: User, password: string, field: string): Promise<void> {
    this.assertPasswordAcceptable(password, field, user.username);
    const passwordHash = await this.hasher.hash(password);
    await this.dataSource.transaction(async (manager) => {
      await manager.increment(User, { id: user.id }, 'tokenVersion', 1);
      await manager.update(User, { id: user.id }, { passwordHash });
      await this.recordModified(manager, actor, user, 'password changed');
    });
  }

  private assertPasswordAcceptable(password: string, field: string, username: string): void {
    const minLength = this.config.get('auth.passwordMinLength', { infer: true });
    const problem = passwordProblem(password, { minLength }, field, username);
    if (problem) throw new BadRequestException([problem]);
  }

  private async assertUsernameFree(manager: EntityManager, username: string): Promise<void> {
    const taken = await manager
      .getRepository(User)
      .createQueryBuilder('user')
      .where('lower(user.username) = lower(:username)', { username })
      .getExists();
    if (taken) throw new ConflictException(`Username ${username} is taken`);
  }

  private async assertNotLastAdmin(manager: EntityManager, user: User): Promise<void> {
    const isActiveAdmin = user.isActive && user.roles.some((role) => role.name === ADMIN_ROLE);
    if (isActiveAdmin && (await countOtherActiveAdmins(manager, user.id)) === 0)
      throw new ConflictException(LAST_ADMIN);
  }

  /** The roles named, or 400 naming the unknown ones. */
  async rolesByName(manager: EntityManager, names: string[]): Promise<Role[]> {
    const roles = await this.findRoles(manager, names);
    assertAllKnown(names, roles);
    return roles;
  }

  /** Those of the roles named that exist, with their permissions. */
  private async findRoles(manager: EntityManager, names: string[]): Promise<Role[]> {
    return names.length ? manager.find(Role, { where: { name: In(names) }, relations: { permissions: true } }) : [];
  }

  private recordModified(manager: EntityManager, actor: AuthUser, user: User, description: string): Promise<void> {
    return this.audit.record(
      {
        event: 'user_modified',
        actor: actorOf(actor),
        ownerId: null,
        description: `user ${user.username}: ${description}`,
      },
      manager,
    );
  }
}
