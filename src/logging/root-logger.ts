import { createRequire } from 'node:module';
import pino, { type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';
import type { AppConfig } from '../config/app-config.js';

/**
 * The one pino instance of the process: start-up code logs with it before Nest exists,
 * and nestjs-pino reuses it for request and application logs.
 */
export function createRootLogger(log: AppConfig['log']): Logger {
  const options: pino.LoggerOptions = {
    level: log.level,
    base: { pid: process.pid },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'password', '*.password'], censor: '*****' },
  };
  if (log.format === 'json') return pino(options, pino.destination({ sync: true }));
  // Only for LOG_FORMAT=pretty: a JSON-logging server (production) never loads it (0.5 MiB of heap).
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  const stream = pretty({
    colorize: Boolean(process.stdout.isTTY),
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname',
    sync: true,
  });
  return pino(options, stream);
}
