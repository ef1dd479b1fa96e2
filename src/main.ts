import 'reflect-metadata';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type LoadedConfig } from './config/load-config.js';
import { EmbeddedPostgresError } from './database/embedded-postgres.js';
import { createRootLogger } from './logging/root-logger.js';
import { StartupError, startServer, type RunningServer } from './server.js';

function loadOrExit(): LoadedConfig {
  try {
    return loadConfig({ env: process.env, cwd: process.cwd() });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`cronwarden: ${error.message}\n`);
    process.exit(1);
  }
}

/** SIGTERM/SIGINT: close HTTP, then the pool, then the embedded PostgreSQL; forced exit past the grace period. */
function handleSignals(server: RunningServer, logger: Logger, graceSeconds: number): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.info(`${signal} received again: already stopping`);
      return;
    }
    stopping = true;
    logger.info(`${signal} received: stopping`);
    setTimeout(
      () => {
        logger.error(`Still stopping after ${graceSeconds + 10} s: exiting anyway`);
        server.abandon();
        process.exit(1);
      },
      (graceSeconds + 10) * 1000,
    ).unref();
    server.close().then(
      () => {
        logger.info('Stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'Error while stopping');
        server.abandon();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function main(): Promise<void> {
  const { config, report } = loadOrExit();
  const logger = createRootLogger(config.log);
  let server: RunningServer | undefined;
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, `Uncaught exception: ${error.message}`);
    server?.abandon();
    process.exit(1);
  });
  try {
    server = await startServer(config, report, logger);
  } catch (error) {
    if (error instanceof StartupError || error instanceof EmbeddedPostgresError) {
      logger.fatal(error.message);
    } else {
      logger.fatal({ err: error }, `Cronwarden could not start: ${(error as Error).message}`);
    }
    process.exit(1);
  }
  handleSignals(server, logger, config.shutdown.graceSeconds);
}

void main();
