import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AuthUser } from '../access/auth-user.js';
import { ownScope } from '../access/owner-scope.js';
import { ADMIN_ROLE } from '../access/permissions.js';
import { actorOf, AuditLogService } from '../audit-logs/audit-log.service.js';
import { PasswordHasher } from '../auth/password-hasher.service.js';
import { passwordProblem } from '../auth/password-policy.js';
import { isUniqueViolation } from '../common/postgres-errors.js';
import type { AppConfig } from '../config/app-config.js';
import { announceOwnerRightsChange } from '../scheduler/owner-rights.channel.js';
import type { CreateUserDto, UpdateUserDto } from './dto/user.dto.js';
import type { Role } from '../database/entities/role.entity.js';
import type { User } from '../database/entities/user.entity.js';
import { ApiTokensRepository } from '../database/repositories/api-tokens.repository.js';
import { ExecutionsRepository } from '../database/repositories/executions.repository.js';
import { JobsRepository } from '../database/repositories/jobs.repository.js';
import { RolesRepository } from '../database/repositories/roles.repository.js';
import { ScriptsRepository } from '../database/repositories/scripts.repository.js';
import { UsersRepository } from '../database/repositories/users.repository.js';
import { type Transaction, Transactions } from '../database/transactions.js';
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

/** Users and their roles. Every change is audited in the same transaction. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly roles: RolesRepository,
    private readonly apiTokens: ApiTokensRepository,
    private readonly jobs: JobsRepository,
    private readonly executions: ExecutionsRepository,
    private readonly scripts: ScriptsRepository,
    private readonly transactions: Transactions,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditLogService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async exists(id: string): Promise<boolean> {
    return this.users.exists(id);
  }

  /** A page of users (by username), optionally only those matching `q`, holding `role`, or active/disabled. */
  async list(filters: UserFilters, limit: number, offset: number): Promise<{ rows: User[]; total: number }> {
    return this.users.listPage({ q: filters.q, role: filters.role, isActive: filters.is_active }, limit, offset);
  }

  /** How many jobs and scripts the user owns (what DELETE without reassign_to refuses). */
  async ownership(id: string): Promise<{ jobs: number; scripts: number }> {
    const scope = ownScope(id);
    return { jobs: await this.jobs.countOwned(scope), scripts: await this.scripts.countOwned(scope) };
  }

  async get(id: string, transaction?: Transaction): Promise<User> {
    const user = await this.users.findById(id, transaction);
    if (!user) throw new NotFoundException(USER_NOT_FOUND);
    return user;
  }

  /** By name, case-insensitively (for login and the CLI). */
  async findByUsername(username: string): Promise<User | null> {
    return this.users.findByUsername(username);
  }

  /** Check order: 403 (roles the caller may not grant), then 400 (unknown role, weak password), then 409. */
  async create(actor: AuthUser, dto: CreateUserDto): Promise<User> {
    const roleNames = dto.roles ?? [this.config.get('auth.defaultRole', { infer: true })];
    const known = await this.roles.findByNames(roleNames);
    assertMayGrant(actor, known);
    assertAllKnown(roleNames, known);
    this.assertPasswordAcceptable(dto.password, 'password', dto.username);
    const passwordHash = await this.hasher.hash(dto.password);
    try {
      const id = await this.transactions.run(async (transaction) => {
        const roles = await this.rolesByName(roleNames, transaction);
        await this.assertUsernameFree(dto.username, transaction);
        const user = await this.users.insert(
          {
            username: dto.username,
            email: dto.email ?? null,
            passwordHash,
            isActive: dto.is_active ?? true,
            roles,
          },
          transaction,
        );
        await this.audit.record(
          {
            event: 'user_created',
            actor: actorOf(actor),
            ownerId: null,
            description: `created user ${user.username} with roles ${roleNames.join(', ') || '(none)'}`,
          },
          transaction,
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
    await this.transactions.run(async (transaction) => {
      await this.users.lockAdminSet(transaction);
      const user = await this.get(id, transaction);
      const changes: string[] = [];
      if (dto.email !== undefined && dto.email !== user.email) {
        changes.push(`email: ${user.email ?? '(none)'} → ${dto.email ?? '(none)'}`);
        user.email = dto.email;
      }
      if (dto.is_active !== undefined && dto.is_active !== user.isActive) {
        if (!dto.is_active) await this.assertNotLastAdmin(user, transaction);
        changes.push(`is_active: ${user.isActive} → ${dto.is_active}`);
        user.isActive = dto.is_active;
        if (!dto.is_active) {
          user.tokenVersion += 1;
          // Disabling a user ends their API tokens for good (enabling them again does not bring them back).
          await this.apiTokens.revokeAllOfUser(user.id, transaction);
        }
      }
      if (passwordHash) {
        changes.push('password changed');
        user.passwordHash = passwordHash;
        user.tokenVersion += 1;
      }
      if (changes.length === 0) return;
      await this.users.save(user, transaction);
      // Disabled: nothing of their jobs runs any more; enabled again: their jobs fire again.
      if (dto.is_active !== undefined) await announceOwnerRightsChange(transaction, user.id);
      await this.recordModified(transaction, actor, user, changes.join('; '));
    });
    return this.get(id);
  }

  async setRoles(actor: AuthUser, id: string, roleNames: string[]): Promise<User> {
    await this.transactions.run(async (transaction) => {
      await this.users.lockAdminSet(transaction);
      const user = await this.get(id, transaction);
      assertMayManageUser(actor, user.roles);
      const roles = await this.roles.findByNames(roleNames, transaction);
      assertMayGrant(actor, roles);
      assertAllKnown(roleNames, roles);
      const before = user.roles.map((role) => role.name).sort();
      const after = roles.map((role) => role.name).sort();
      if (before.includes(ADMIN_ROLE) && !after.includes(ADMIN_ROLE)) await this.assertNotLastAdmin(user, transaction);
      user.roles = roles;
      await this.users.save(user, transaction);
      // Losing (or regaining) code_execute suspends (or resumes) their ShellJobs and ScriptJobs.
      if (before.join() !== after.join()) await announceOwnerRightsChange(transaction, user.id);
      await this.recordModified(
        transaction,
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
    await this.transactions.run(async (transaction) => {
      await this.users.lockAdminSet(transaction);
      const user = await this.get(id, transaction);
      assertMayManageUser(actor, user.roles);
      await this.assertNotLastAdmin(user, transaction);
      const owned = ownScope(user.id);
      const jobs = await this.jobs.countOwned(owned, transaction);
      const scripts = await this.scripts.countOwned(owned, transaction);
      let moved = '';
      if (reassignTo !== undefined) {
        if (reassignTo === user.id || !(await this.users.exists(reassignTo, transaction))) {
          throw new BadRequestException(['reassign_to must name another existing user']);
        }
        await this.jobs.reassignAcrossOwners(user.id, reassignTo, transaction);
        await this.executions.reassignAcrossOwners(user.id, reassignTo, transaction);
        await this.scripts.reassignAcrossOwners(user.id, reassignTo, transaction);
        moved = jobs > 0 ? `; ${jobs} jobs and their executions moved to user ${reassignTo}` : '';
        // The jobs now run with the rights of their new owner.
        if (jobs > 0) await announceOwnerRightsChange(transaction, reassignTo);
      } else if (jobs > 0 || scripts > 0) {
        throw new ConflictException(
          `User ${user.username} owns ${jobs} jobs and ${scripts} scripts: delete them first, or pass ?reassign_to=<user id> to move them`,
        );
      }
      await this.users.delete(user.id, transaction);
      await this.audit.record(
        {
          event: 'user_deleted',
          actor: actor.id === user.id ? { id: null, username: actor.username } : actorOf(actor),
          ownerId: null,
          description: `deleted user ${user.username}${moved}`,
        },
        transaction,
      );
    });
  }

  /** Sets a new password (self-service or operator reset) and revokes every earlier token. */
  async setPassword(actor: AuthUser, user: User, password: string, field: string): Promise<void> {
    this.assertPasswordAcceptable(password, field, user.username);
    const passwordHash = await this.hasher.hash(password);
    await this.transactions.run(async (transaction) => {
      await this.users.setPasswordHash(user.id, passwordHash, transaction);
      await this.recordModified(transaction, actor, user, 'password changed');
    });
  }

  /** Records a successful login's time. */
  async recordLogin(id: string): Promise<void> {
    await this.users.recordLogin(id, new Date());
  }

  private assertPasswordAcceptable(password: string, field: string, username: string): void {
    const minLength = this.config.get('auth.passwordMinLength', { infer: true });
    const problem = passwordProblem(password, { minLength }, field, username);
    if (problem) throw new BadRequestException([problem]);
  }

  private async assertUsernameFree(username: string, transaction: Transaction): Promise<void> {
    if (await this.users.usernameTaken(username, transaction)) {
      throw new ConflictException(`Username ${username} is taken`);
    }
  }

  private async assertNotLastAdmin(user: User, transaction: Transaction): Promise<void> {
    const isActiveAdmin = user.isActive && user.roles.some((role) => role.name === ADMIN_ROLE);
    if (isActiveAdmin && (await this.users.countOtherActiveAdmins(user.id, transaction)) === 0)
      throw new ConflictException(LAST_ADMIN);
  }

  /** The roles named, or 400 naming the unknown ones. */
  async rolesByName(names: string[], transaction?: Transaction): Promise<Role[]> {
    const roles = await this.roles.findByNames(names, transaction);
    assertAllKnown(names, roles);
    return roles;
  }

  private recordModified(transaction: Transaction, actor: AuthUser, user: User, description: string): Promise<void> {
    return this.audit.record(
      {
        event: 'user_modified',
        actor: actorOf(actor),
        ownerId: null,
        description: `user ${user.username}: ${description}`,
      },
      transaction,
    );
  }
}
