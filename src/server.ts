import net from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { StartupError } from './common/startup-error.js';
import type { AppConfig, ConfigReportEntry } from './config/app-config.js';
import { EmbeddedPostgres } from './database/embedded-postgres.js';
import { configSummary } from './config/config-summary.js';
import { configureApp, createFastifyAdapter } from './http/configure-app.js';
import { browsableBaseUrl, startupBanner } from './http/startup-banner.js';
import { JwtSecretService } from './settings/jwt-secret.service.js';
import { AdminBootstrapService, type GeneratedAdmin } from './users/admin-bootstrap.service.js';

export { StartupError };

export interface RunningServer {
  app: NestFastifyApplication;
  url: string;
  /** Closes HTTP, then the database pool, then stops the embedded PostgreSQL (if this process started it). */
  close(): Promise<void>;
  /** For a crash: tells the embedded PostgreSQL to shut down and returns at once. */
  abandon(): void;
}

/** The JWT secret's report line once the secret is resolved: an unset JWT_SECRET means a generated one. */
function withSecretOrigin(report: ConfigReportEntry[]): ConfigReportEntry[] {
  return report.map((entry) =>
    entry.name === 'JWT_SECRET' && entry.source === 'unset' ? { ...entry, value: '*****', source: 'generated' } : entry,
  );
}

function describeSecret(secrets: JwtSecretService): string {
  switch (secrets.source) {
    case 'DATA_DIR':
      return 'generated once, kept in DATA_DIR/jwt-secret';
    case 'database':
      return 'generated once, kept in the database (app_settings)';
    case 'JWT_SECRET':
    case undefined:
      return 'from JWT_SECRET';
  }
}

/** One line naming HOST/PORT for an error of listening on them, or `undefined` for another error. */
function listenProblem(error: unknown, config: AppConfig): StartupError | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new StartupError(
      `PORT ${config.http.port} on ${config.http.host} is already in use: set PORT to a free port`,
    );
  }
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new StartupError(`Cannot listen on ${config.http.host}:${config.http.port} (${code}): check HOST and PORT`);
  }
  return undefined;
}

/** Binds HOST:PORT for a moment: a busy port is reported before anything (DATA_DIR, the database) is created. */
async function assertHttpPortFree(config: AppConfig): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error) => reject(listenProblem(error, config) ?? error));
    probe.listen({ port: config.http.port, host: config.http.host, exclusive: true }, () =>
      probe.close(() => resolve()),
    );
  });
}

/** Listens through Fastify itself: Nest's `listen()` would log a stack trace for a busy port before we can explain it. */
async function listen(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  try {
    await app.getHttpAdapter().getInstance().listen({ port: config.http.port, host: config.http.host });
  } catch (error) {
    throw listenProblem(error, config) ?? error;
  }
}

/**
 * Starts Cronwarden: checks that the ports are free (before anything is created), then the embedded
 * PostgreSQL unless `DATABASE_URL` is set, then the Nest app (migrations run while the database
 * module initialises), then the HTTP listener, and ends with the banner (URLs, first admin).
 * On failure everything already started is stopped again before the error is rethrown.
 */
export async function startServer(
  config: AppConfig,
  report: ConfigReportEntry[],
  logger: Logger,
): Promise<RunningServer> {
  const embedded = config.database.url
    ? undefined
    : new EmbeddedPostgres({
        dataDir: config.embedded.dataDir,
        port: config.embedded.port,
        logger: logger.child({ context: 'EmbeddedPostgres' }),
      });
  await assertHttpPortFree(config);
  await embedded?.assertPortAvailable();
  let app: NestFastifyApplication | undefined;
  let generatedAdmin: GeneratedAdmin | undefined;
  try {
    const databaseUrl = config.database.url ?? (await embedded!.start());
    app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot({ config, databaseUrl, logger }),
      createFastifyAdapter(config.http.trustProxy),
      { bufferLogs: true, abortOnError: false },
    );
    await configureApp(app);
    await app.init();
    const secrets = app.get(JwtSecretService);
    const effective = withSecretOrigin(report);
    logger.info(configSummary(effective));
    logger.debug(
      {
        config: Object.fromEntries(
          effective.map((entry) => [
            entry.name,
            entry.source === 'unset' ? '(unset)' : `${entry.value} (${entry.source})`,
          ]),
        ),
      },
      `Effective configuration (JWT secret: ${describeSecret(secrets)})`,
    );
    generatedAdmin = app.get(AdminBootstrapService).takeGeneratedAdmin();
    await listen(app, config);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
  const url = `http://${config.http.host}:${config.http.port}`;
  logger.info(`Listening on ${config.http.host}:${config.http.port} (health: ${url}/health)`);
  // Last: the banner, with a generated password at warn so that LOG_LEVEL=warn still shows it.
  const banner = startupBanner(browsableBaseUrl(config.http.host, config.http.port), generatedAdmin);
  if (generatedAdmin) logger.warn(banner);
  else logger.info(banner);
  const running = app;
  return {
    app: running,
    url,
    async close() {
      await running.close();
      logger.info('HTTP server and database pool closed');
      await embedded?.stop();
    },
    abandon() {
      embedded?.stopNow();
    },
  };
}
