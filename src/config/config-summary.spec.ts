import { configSummary } from './config-summary.js';

describe('configSummary', () => {
  it('counts the variables and those set in the environment and in .env', () => {
    expect(
      configSummary([
        { name: 'PORT', value: '8080', source: 'environment' },
        { name: 'HOST', value: '0.0.0.0', source: 'default' },
        { name: 'DATA_DIR', value: './data', source: '.env file' },
        { name: 'LOG_LEVEL', value: 'debug', source: 'environment' },
        { name: 'DATABASE_URL', value: '', source: 'unset' },
        { name: 'JWT_SECRET', value: '*****', source: 'generated' },
      ]),
    ).toBe('Configuration: 6 variables, 2 from the environment, 1 from .env; LOG_LEVEL=debug shows them');
  });
});
