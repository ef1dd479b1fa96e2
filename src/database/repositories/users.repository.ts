import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import { ADMIN_ROLE } from '../../access/permissions.js';
import { User } from '../entities/user.entity.js';
import { PgPool } from '../pg-pool.js';
import { isUuid } from './owner-filter.js';

/** Serialises every change that could remove an admin, so two concurrent changes cannot remove the last two. */
const ADMIN_SET_LOCK_KEY = 0x61646d6e;
/** Serialises the first-admin check of instances starting together. */
const BOOTSTRAP_LOCK_KEY = 0x626f6f74;

export interface UserListFilters {
  /** Username or email contains (case-insensitive). */
  q?: string;
  /** Holds the role of this name. */
  role?: string;
  isActive?: boolean;
}

/** What a new user row is made of (its roles are written to `user_roles` with it). */
export type NewUser = Pick<User, 'username' | 'email' | 'passwordHash' | 'isActive' | 'roles'>;

/** A user as a request signed in with a token sees them, and whether that token is revoked. */
export interface SignedInUserRow {
  id: string;
  username: string;
  email: string | null;
  is_active: boolean;
  token_version: number;
  revoked: boolean;
  roles: string[];
  permissions: string[];
}

/** An access token an open event stream was opened with: `key` names it, the rest are its claims. */
export interface TokenOfStream {
  key: number;
  /** The user's id. */
  sub: string;
  jti: string;
  /** The user's token version when the token was issued. */
  ver: number;
}

/** What {@link UsersRepository.rightsOfTokens} answers per token. */
export interface StreamRights {
  key: number;
  valid: boolean | null;
  roles: string[] | null;
  permissions: string[] | null;
}

/**
 * The `users` table and its `user_roles` links: lookups (by id, by name, case-insensitively), the
 * list, writes in the caller's transaction, and the advisory locks of the admin-set rules, and the
 * rights of the tokens open event streams were opened with.
 */
@Injectable()
export class UsersRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly pool: PgPool,
  ) {}

  /** The user's name, or null when `id` names no user (or is not an id). */
  async usernameOf(id: string): Promise<string | null> {
    if (!isUuid(id)) return null;
    const user = await this.dataSource
      .getRepository(User)
      .findOne({ where: { id }, select: { id: true, username: true } });
    return user?.username ?? null;
  }

  /** Whether `id` names a user (false for what is not an id). */
  async exists(id: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    return isUuid(id) && (await manager.existsBy(User, { id }));
  }

  /** A user with their roles and the roles' permissions; null when missing or not an id. */
  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<User | null> {
    if (!isUuid(id)) return null;
    return manager.findOne(User, { where: { id }, relations: { roles: { permissions: true } } });
  }

  /** By name, case-insensitively, with roles and their permissions. */
  async findByUsername(username: string, manager: EntityManager = this.dataSource.manager): Promise<User | null> {
    return this.byUsername(manager, username)
      .leftJoinAndSelect('user.roles', 'role')
      .leftJoinAndSelect('role.permissions', 'permission')
      .getOne();
  }

  /** Whether a user of this name exists, whatever its case. */
  async usernameTaken(username: string, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    return this.byUsername(manager, username).getExists();
  }

  /** A page of users (by username) with their roles, optionally narrowed by `filters`. */
  async listPage(filters: UserListFilters, limit: number, offset: number): Promise<{ rows: User[]; total: number }> {
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
    if (filters.isActive !== undefined) query.andWhere('user.is_active = :isActive', { isActive: filters.isActive });
    const [rows, total] = await query.getManyAndCount();
    return { rows, total };
  }

  /** Inserts a user with their roles; the row comes back with its id. */
  async insert(values: NewUser, manager: EntityManager): Promise<User> {
    return manager.save(manager.create(User, values));
  }

  /** Writes a loaded user back (its columns and its roles). */
  async save(user: User, manager: EntityManager): Promise<void> {
    await manager.save(user);
  }

  async delete(id: string, manager: EntityManager): Promise<void> {
    await manager.delete(User, { id });
  }

  /** A new password hash; every token issued before carries an older version and is refused. */
  async setPasswordHash(id: string, passwordHash: string, manager: EntityManager): Promise<void> {
    await manager.increment(User, { id }, 'tokenVersion', 1);
    await manager.update(User, { id }, { passwordHash });
  }

  async recordLogin(id: string, at: Date): Promise<void> {
    await this.dataSource.getRepository(User).update({ id }, { lastLogin: at });
  }

  /** Holds, until the transaction ends, the lock every change that could remove an admin takes first. */
  async lockAdminSet(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_SET_LOCK_KEY]);
  }

  /** Active users holding the admin role, other than `exceptUserId`. */
  async countOtherActiveAdmins(exceptUserId: string, manager: EntityManager): Promise<number> {
    const rows: Array<{ count: string }> = await manager.query(
      `SELECT count(DISTINCT u.id) AS count FROM users u
         JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
        WHERE r.name = $1 AND u.is_active AND u.id <> $2`,
      [ADMIN_ROLE, exceptUserId],
    );
    return Number(rows[0].count);
  }

  /** Holds, until the transaction ends, the lock of the first-admin check at start-up. */
  async lockBootstrap(manager: EntityManager): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
  }

  /** How many users hold the role `roleId` (active or not). */
  async countHoldersOf(roleId: string, manager: EntityManager): Promise<number> {
    const rows: Array<{ count: string }> = await manager.query(
      'SELECT count(*) AS count FROM user_roles WHERE role_id = $1',
      [roleId],
    );
    return Number(rows[0].count);
  }

  private byUsername(manager: EntityManager, username: string): SelectQueryBuilder<User> {
    return manager
      .getRepository(User)
      .createQueryBuilder('user')
      .where('lower(user.username) = lower(:username)', { username });
  }

  /**
   * For each token (`key` names it in the answer): whether it is still good (its user active, the
   * user's token version unchanged, the token not revoked; null when the user is gone), and the user's
   * role names and permission names now. One named prepared statement for any number of tokens.
   */
  async rightsOfTokens(tokens: readonly TokenOfStream[]): Promise<StreamRights[]> {
    const { rows } = await this.pool.query<StreamRights>({
      name: 'cronwarden_stream_rights',
      text: `SELECT s.key, (u.is_active AND u.token_version = s.ver
                   AND NOT EXISTS (SELECT 1 FROM revoked_tokens t WHERE t.jti = s.jti)) AS valid,
                ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                       WHERE ur.user_id = u.id) AS roles,
                ARRAY(SELECT DISTINCT rp.permission_name FROM user_roles ur
                       JOIN role_permissions rp ON rp.role_id = ur.role_id WHERE ur.user_id = u.id) AS permissions
           FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::int[]) AS s(key, uid, jti, ver)
           LEFT JOIN users u ON u.id = s.uid`,
      values: [
        tokens.map((token) => token.key),
        tokens.map((token) => token.sub),
        tokens.map((token) => token.jti),
        tokens.map((token) => token.ver),
      ],
    });
    return rows;
  }

  /**
   * The user `id` with their role names (sorted) and permission names, and whether the token `jti` is
   * revoked, in one named prepared statement (every authenticated request runs it); null when no such
   * user. `id` comes from a verified token, so it is an id.
   */
  async findSignedIn(id: string, jti: string): Promise<SignedInUserRow | null> {
    const { rows } = await this.pool.query<SignedInUserRow>({
      name: 'cronwarden_auth_user',
      text: `SELECT u.id, u.username, u.email, u.is_active, u.token_version,
              EXISTS (SELECT 1 FROM revoked_tokens t WHERE t.jti = $2) AS revoked,
              ARRAY(SELECT r.name FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                    WHERE ur.user_id = u.id ORDER BY r.name) AS roles,
              ARRAY(SELECT DISTINCT rp.permission_name FROM user_roles ur
                    JOIN role_permissions rp ON rp.role_id = ur.role_id WHERE ur.user_id = u.id) AS permissions
         FROM users u WHERE u.id = $1`,
      values: [id, jti],
    });
    return rows[0] ?? null;
  }
}
