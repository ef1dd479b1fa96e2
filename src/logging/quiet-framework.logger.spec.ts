import type { LoggerService } from '@nestjs/common';
import { QuietFrameworkLogger } from './quiet-framework.logger.js';

describe('QuietFrameworkLogger', () => {
  const calls: Array<[string, unknown[]]> = [];
  const inner: LoggerService = {
    log: (...args: unknown[]) => void calls.push(['log', args]),
    error: (...args: unknown[]) => void calls.push(['error', args]),
    warn: (...args: unknown[]) => void calls.push(['warn', args]),
    debug: (...args: unknown[]) => void calls.push(['debug', args]),
  };
  beforeEach(() => (calls.length = 0));

  it("sends Nest's start-up chatter to debug", () => {
    const logger = new QuietFrameworkLogger(inner);
    logger.log('Mapped {/health, GET} route', 'RouterExplorer');
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    expect(calls).toEqual([
      ['debug', ['Mapped {/health, GET} route', 'RouterExplorer']],
      ['debug', ['AppModule dependencies initialized', 'InstanceLoader']],
    ]);
  });

  it("passes Cronwarden's own messages and every warning and error through", () => {
    const logger = new QuietFrameworkLogger(inner);
    logger.log('Scheduler running', 'SchedulerService');
    logger.warn('careful', 'RouterExplorer');
    logger.error('broken', 'NestApplication');
    expect(calls.map(([level]) => level)).toEqual(['log', 'warn', 'error']);
  });
});
