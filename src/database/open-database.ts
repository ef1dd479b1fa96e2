import type { AppConfig } from '../config/app-config.js';
import { EmbeddedPostgres, type ProgressLogger } from './embedded-postgres.js';

export interface OpenedDatabase {
  url: string;
  /** Stops the embedded server if this call started it. */
  close(): Promise<void>;
}

/**
 * For tools beside the server (migration CLI, operator CLI): `DATABASE_URL`, or the embedded
 * PostgreSQL of DATA_DIR — joined when a running Cronwarden already started it, else started here
 * and stopped again by `close()`.
 */
export async function openDatabase(config: AppConfig, logger: ProgressLogger): Promise<OpenedDatabase> {
  if (config.database.url) return { url: config.database.url, close: () => Promise.resolve() };
  const embedded = new EmbeddedPostgres({ dataDir: config.embedded.dataDir, port: config.embedded.port, logger });
  const url = await embedded.start();
  process.once('exit', () => embedded.stopNow());
  return { url, close: () => embedded.stop() };
}
