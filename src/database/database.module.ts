import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ChannelListener } from './channel-listener.js';
import { dataSourceOptions } from './data-source-options.js';
import { PgPool } from './pg-pool.js';
import { REPOSITORIES } from './repositories/index.js';
import { runMigrationsLocked } from './run-migrations.js';

export interface DatabaseModuleOptions {
  url: string;
  poolSize: number;
  logger: Logger;
}

/**
 * TypeORM on PostgreSQL. The data source is created, connected and migrated (under an advisory
 * lock) before any other provider can use it, so every module starts on an up-to-date schema.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      // Global as TypeORM's own module is: the pool and the repositories are what every feature reads through.
      global: true,
      providers: [PgPool, ChannelListener, ...REPOSITORIES],
      exports: [PgPool, ChannelListener, ...REPOSITORIES],
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ ...dataSourceOptions(options), retryAttempts: 3, retryDelay: 2_000 }),
          dataSourceFactory: async (config?: DataSourceOptions) => {
            if (!config) throw new Error('TypeORM options missing');
            const dataSource = await new DataSource(config).initialize();
            const applied = await runMigrationsLocked(dataSource);
            if (applied.length > 0) {
              options.logger.info({ migrations: applied.map((m) => m.name) }, `Applied ${applied.length} migration(s)`);
            }
            return dataSource;
          },
        }),
      ],
    };
  }
}
