import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import pino from 'pino';
import request from 'supertest';

import { AppModule } from '../../src/app.module.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { configureApp, createFastifyAdapter } from '../../src/http/configure-app.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** The first admin every test app creates at start. */
export const TEST_ADMIN = { username: 'admin', password: 'test-Secret-for-root-42' };

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  database: TestDatabase;
  /** supertest bound to the app's HTTP server. */
  http(): ReturnType<typeof request>;
  /** Every log line written so far (set LOG_LEVEL in `env` to see any), parsed. */
  logs(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment variables, as an operator would set them. */
  env?: Record<string, string>;
  /** Test-only controllers mounted next to the real ones. */
  controllers?: Type[];
  /** Use this database instead of a fresh copy of the template. */
  database?: TestDatabase;
}

/** The real application (every module, the real PostgreSQL) on a database of its own. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const dataDir = await mkdtemp(path.join(tmpdir(), 'cronwarden-app-'));
  const { config } = loadConfig({
    env: {
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      BCRYPT_COST: '4',
      ADMIN_USERNAME: TEST_ADMIN.username,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      ...options.env,
    },
    cwd: process.cwd(),
    readEnvFile: false,
  });
  const lines: string[] = [];
  const logger = pino({ level: config.log.level }, { write: (line: string) => void lines.push(line) });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ config, databaseUrl: database.url, logger })],
    controllers: options.controllers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(config.http.trustProxy), {
    bufferLogs: true,
  });
  await configureApp(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    config,
    database,
    http: () => request(app.getHttpServer()),
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    close: async () => {
      await app.close();
      if (!options.database) await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
