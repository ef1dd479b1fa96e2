// The server process behind main.ts, which sets the V8 flags (src/v8-flags.ts) before importing this.
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

/** Past the grace period, what is left of a stop (stopping sandboxes, closing, the embedded PostgreSQL) must fit in. */
const AFTER_GRACE_MS = 4_500;

/**
 * SIGTERM/SIGINT: stop claiming, let running executions finish within the grace period, stop the
 * rest, close HTTP, then the pool, then the embedded PostgreSQL — all within SHUTDOWN_GRACE_SECONDS
 * + 5 s, so a supervisor's SIGKILL (Docker: 10 s, Kubernetes: 30 s) does not catch it halfway. A stop
 * still going after that exits anyway (the embedded PostgreSQL is told to shut down fast).
 */
function handleSignals(server: RunningServer, logger: Logger, graceSeconds: number): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.info(`${signal} received again: already stopping`);
      return;
    }
    stopping = true;
    const started = performance.now();
    logger.info(`${signal} received: stopping`);
    const limitMs = graceSeconds * 1000 + AFTER_GRACE_MS;
    setTimeout(() => {
      logger.error(`Still stopping after ${limitMs / 1000} s: exiting anyway`);
      server.abandon();
      process.exit(1);
    }, limitMs).unref();
    server.close().then(
      () => {
        logger.info({ duration_ms: Math.round(performance.now() - started) }, 'Stopped');
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

/** Loads the configuration, starts the server and stops it on SIGTERM/SIGINT; `v8Flags`: those main.ts set. */
export async function runServerProcess(v8Flags: readonly string[]): Promise<void> {
  const { config, report } = loadOrExit();
  const logger = createRootLogger(config.log);
  logger.debug(`V8 flags set by the server: ${v8Flags.join(' ') || 'none (NODE_OPTIONS gave them)'}`);
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
