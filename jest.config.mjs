// Jest runs in native ESM mode (NestJS 12 packages are ES modules): see the `test` script.
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // ESM-only packages required by CommonJS ones: loaded by Node itself (see test/setup/native-require.cjs).
    '^content-disposition$': '<rootDir>/test/setup/content-disposition.cjs',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
};

/** @type {import('jest').Config} */
export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/scripts/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'web',
      testMatch: ['<rootDir>/web/src/**/*.spec.ts'],
      transform: { '^.+\\.tsx?$': ['ts-jest', { useESM: true, tsconfig: 'web/tsconfig.json' }] },
      extensionsToTreatAsEsm: ['.ts', '.tsx'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.mjs',
      globalTeardown: '<rootDir>/test/setup/global-teardown.mjs',
    },
  ],
  testTimeout: 60_000,
  // One file at a time per jest process. `npm test` (scripts/run-tests.mjs) runs two of them side by
  // side: the files that hold the product to wall-clock limits with processes of their own (browser,
  // replica, start-up tests) in one lane, everything else in the other. Two heavy files side by side
  // broke those limits (jobs registered on three instances within 2 s, a state on screen within seconds).
  maxWorkers: 1,
  // That one file runs in a worker process, replaced once a file leaves it holding more than this
  // much heap: each e2e file loads the whole app into a module registry of its own, and in one
  // process (--runInBand) the heap grew past a gigabyte, so that files late in a lane ran several
  // times slower than alone (garbage collection over the heap of the files before them).
  workerIdleMemoryLimit: '800MB',
};
