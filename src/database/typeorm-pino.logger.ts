import type { Logger as PinoLogger } from 'pino';
import type { Logger as TypeOrmLogger } from 'typeorm';

/** Sends TypeORM's messages (errors, slow queries, migrations) to the structured log; queries are not logged. */
export class TypeOrmPinoLogger implements TypeOrmLogger {
  private readonly pino: PinoLogger;

  constructor(root: PinoLogger) {
    this.pino = root.child({ context: 'TypeORM' });
  }

  logQuery(): void {
    // Every statement would drown the log; PostgreSQL's own logging is the tool for that.
  }

  logQueryError(error: string | Error, query: string): void {
    this.pino.debug({ err: error, query }, 'query failed');
  }

  logQuerySlow(time: number, query: string): void {
    this.pino.warn({ durationMs: time, query }, 'slow query');
  }

  logSchemaBuild(message: string): void {
    this.pino.debug(message);
  }

  logMigration(message: string): void {
    this.pino.info(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.pino.warn(String(message));
    else this.pino.debug(String(message));
  }
}
