import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
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
  const stream = pretty({
    colorize: Boolean(process.stdout.isTTY),
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname',
    sync: true,
  });
  return pino(options, stream);
}
