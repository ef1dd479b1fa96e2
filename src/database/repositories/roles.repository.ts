import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, In } from 'typeorm';
import { PermissionEntity } from '../entities/permission.entity.js';
import { Role } from '../entities/role.entity.js';
import { isUuid } from './owner-filter.js';

/** What a new role row is made of (its permissions are written to `role_permissions` with it). */
export type NewRole = Pick<Role, 'name' | 'description' | 'permissions'>;

/** The `roles` table with its `role_permissions` links, and the `permissions` catalogue. */
@Injectable()
export class RolesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Whether `id` names a role (false for what is not an id). */
  async exists(id: string): Promise<boolean> {
    return isUuid(id) && (await this.dataSource.getRepository(Role).existsBy({ id }));
  }

  /** Whether a role of exactly this name exists. */
  async existsByName(name: string): Promise<boolean> {
    return this.dataSource.getRepository(Role).existsBy({ name });
  }

  /** A role with its permissions; null when missing or not an id. */
  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<Role | null> {
    if (!isUuid(id)) return null;
    return manager.findOne(Role, { where: { id }, relations: { permissions: true } });
  }

  /** The role of this name (without its permissions), or null. */
  async findByName(name: string, manager: EntityManager = this.dataSource.manager): Promise<Role | null> {
    return manager.findOneBy(Role, { name });
  }

  /** Those of the roles named that exist, with their permissions. */
  async findByNames(names: string[], manager: EntityManager = this.dataSource.manager): Promise<Role[]> {
    return names.length ? manager.find(Role, { where: { name: In(names) }, relations: { permissions: true } }) : [];
  }

  /** A page of roles by name, with their permissions. */
  async listPage(limit: number, offset: number): Promise<{ rows: Role[]; total: number }> {
    const [rows, total] = await this.dataSource.getRepository(Role).findAndCount({
      relations: { permissions: true },
      order: { name: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { rows, total };
  }

  /** Every permission of the catalogue (in no particular order). */
  async listPermissions(): Promise<PermissionEntity[]> {
    return this.dataSource.getRepository(PermissionEntity).find();
  }

  /** Those of the permissions named that exist. */
  async findPermissions(
    names: string[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<PermissionEntity[]> {
    return names.length ? manager.find(PermissionEntity, { where: { name: In(names) } }) : [];
  }

  /** Inserts a role with its permissions; the row comes back with its id. */
  async insert(values: NewRole, manager: EntityManager): Promise<Role> {
    return manager.save(manager.create(Role, values));
  }

  /** Writes a loaded role back (its columns and its permissions). */
  async save(role: Role, manager: EntityManager): Promise<void> {
    await manager.save(role);
  }

  async delete(id: string, manager: EntityManager): Promise<void> {
    await manager.delete(Role, { id });
  }
}
