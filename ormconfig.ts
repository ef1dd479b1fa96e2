import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/load-config.js';
import { dataSourceOptions } from './src/database/data-source-options.js';
import { openDatabase } from './src/database/open-database.js';

/**
 * The DataSource of the TypeORM CLI (`npm run migration:run|revert|generate`): the same options as
 * the app. Without DATABASE_URL it starts the embedded PostgreSQL of DATA_DIR (or joins the one a
 * running Cronwarden started) and stops it again when the command exits.
 */
async function createCliDataSource(): Promise<DataSource> {
  const { config } = loadConfig({ env: process.env, cwd: process.cwd() });
  const log = (message: string): boolean => process.stderr.write(`${message}\n`);
  const { url } = await openDatabase(config, { info: log, warn: log });
  return new DataSource(dataSourceOptions({ url, poolSize: 2 }));
}

export const dataSource = createCliDataSource();
