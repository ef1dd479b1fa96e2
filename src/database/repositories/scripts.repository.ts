import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type SelectQueryBuilder } from 'typeorm';
import type { OwnerScope } from '../../access/owner-scope.js';
import { Script } from '../entities/script.entity.js';
import type { ScriptCode } from '../../job-classes/script-source.js';
import { isUuid, ownerSql } from './owner-filter.js';

/** The `scripts` table: uploaded scripts, owned and scoped like jobs. */
@Injectable()
export class ScriptsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private withOwner(): SelectQueryBuilder<Script> {
    return this.dataSource
      .getRepository(Script)
      .createQueryBuilder('script')
      .leftJoin('script.owner', 'owner')
      .addSelect(['owner.id', 'owner.username']);
  }

  /** The one owner condition of this table's reads. */
  private scoped(builder: SelectQueryBuilder<Script>, scope: OwnerScope): SelectQueryBuilder<Script> {
    return scope.kind === 'all'
      ? builder
      : builder.andWhere('script.owner_id = :scopeOwner', { scopeOwner: scope.ownerId });
  }

  /** A page within `scope` by name, without the sources. */
  async listPage(scope: OwnerScope, limit: number, offset: number): Promise<{ rows: Script[]; total: number }> {
    const [rows, total] = await this.scoped(this.withOwner(), scope)
      .select([
        'script.id',
        'script.name',
        'script.language',
        'script.sha256',
        'script.size',
        'script.ownerId',
        'script.createdTime',
      ])
      .addSelect(['owner.id', 'owner.username'])
      .orderBy('script.name', 'ASC')
      .addOrderBy('script.id', 'ASC')
      .take(limit)
      .skip(offset)
      .getManyAndCount();
    return { rows, total };
  }

  /** A script within `scope` (with its owner's name); null when missing, out of scope or not an id. */
  async findById(scope: OwnerScope, id: string): Promise<Script | null> {
    if (!isUuid(id)) return null;
    return this.scoped(this.withOwner().where('script.id = :id', { id }), scope).getOne();
  }

  async insert(values: Pick<Script, 'name' | 'language' | 'source' | 'size' | 'sha256' | 'ownerId'>): Promise<Script> {
    const repository = this.dataSource.getRepository(Script);
    return repository.save(repository.create(values));
  }

  async delete(id: string): Promise<void> {
    await this.dataSource.getRepository(Script).delete({ id });
  }

  /**
   * The source of a script `ownerId` may use: their own, or any when they hold view_all or are an
   * admin (the rule of {@link AccessService.readScope}, read here from the owner's roles, since the
   * owner is not the caller). Null otherwise, or when `scriptId` is not an id.
   */
  async findSourceUsableBy(scriptId: string, ownerId: string): Promise<ScriptCode | null> {
    if (!isUuid(scriptId)) return null;
    const rows: ScriptCode[] = await this.dataSource.query(
      `SELECT s.source, s.language FROM scripts s
        WHERE s.id = $1 AND (s.owner_id = $2 OR EXISTS (
          SELECT 1 FROM user_roles ur JOIN roles r ON r.id = ur.role_id
            LEFT JOIN role_permissions rp ON rp.role_id = r.id
           WHERE ur.user_id = $2 AND (r.name = 'admin' OR rp.permission_name = 'view_all')))`,
      [scriptId, ownerId],
    );
    return rows[0] ?? null;
  }

  /** How many scripts there are within `scope` (a user's, before their deletion). */
  async countOwned(scope: OwnerScope, manager?: EntityManager): Promise<number> {
    const values: unknown[] = [];
    const owner = ownerSql(scope, 's', values);
    const rows: Array<{ scripts: string }> = await (manager ?? this.dataSource.manager).query(
      `SELECT count(*) AS scripts FROM scripts s${owner ? ` WHERE ${owner}` : ''}`,
      values,
    );
    return Number(rows[0].scripts);
  }

  /** Gives every script of `fromOwnerId` to `toOwnerId` (a user deleted with reassign_to), across owners. */
  async reassignAcrossOwners(fromOwnerId: string, toOwnerId: string, manager: EntityManager): Promise<void> {
    await manager.query('UPDATE scripts SET owner_id = $2 WHERE owner_id = $1', [fromOwnerId, toOwnerId]);
  }
}
