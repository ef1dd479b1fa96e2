import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * A database transaction, handed to repository methods (and to what must happen in the same
 * transaction: the audit record, NOTIFY). Features name it by this type, never by TypeORM's.
 */
export type Transaction = EntityManager;

/** Runs work in one transaction: committed when it resolves, rolled back when it throws. */
@Injectable()
export class Transactions {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  run<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
