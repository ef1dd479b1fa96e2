import type { Logger as PinoLogger } from 'pino';
import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { ENTITIES } from './entities/index.js';
import { TypeOrmPinoLogger } from './typeorm-pino.logger.js';

export interface DataSourceSettings {
  url: string;
  poolSize: number;
  logger?: PinoLogger;
}

/**
 * The one description of Cronwarden's database, shared by the app (`DatabaseModule`) and the
 * migration CLI (`ormconfig.ts`). `synchronize` is off everywhere: the schema is the migrations.
 */
export function dataSourceOptions(settings: DataSourceSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    synchronize: false,
    migrationsRun: false,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    maxQueryExecutionTime: 1000,
    logger: settings.logger ? new TypeOrmPinoLogger(settings.logger) : 'advanced-console',
    logging: settings.logger ? ['error', 'warn', 'migration'] : ['error', 'warn', 'migration', 'schema'],
    extra: {
      max: settings.poolSize,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: 'cronwarden',
    },
  };
}
