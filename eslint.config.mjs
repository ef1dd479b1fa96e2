// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Files that still run their own SQL through TypeORM or pg (users/roles/tokens, retention, the
 * dashboard, events, settings): exempt from the layer rule below until their queries move into
 * repositories. The list only shrinks; a new file is never added to it.
 */
const NOT_YET_ON_REPOSITORIES = [
  'src/auth/api-token.service.ts',
  'src/auth/auth.service.ts',
  'src/auth/login-throttle.service.ts',
  'src/auth/refresh-token.service.ts',
  'src/auth/token.service.ts',
  'src/dashboard/dashboard.service.ts',
  'src/events/event-hub.service.ts',
  'src/retention/retention.service.ts',
  'src/settings/app-settings.service.ts',
  'src/users/admin-bootstrap.service.ts',
  'src/users/admin-lock.ts',
  'src/users/roles.service.ts',
  'src/users/users.service.ts',
];

const DATABASE_ONLY = [
  { name: 'typeorm', message: 'Only src/database/ uses TypeORM: add a repository method there.' },
  { name: '@nestjs/typeorm', message: 'Only src/database/ uses TypeORM: add a repository method there.' },
  { name: 'pg', message: 'Only src/database/ uses the pg pool (src/database/pg-pool.ts).' },
];

const SCHEDULER_BELOW_FEATURES = [
  {
    group: ['**/jobs/**', '**/executions/**', '**/instances/**', '**/health/**', '**/scripts/**'],
    message: 'The scheduler imports no feature folder: features use it through SchedulerFacade.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'coverage/**',
      'data/**',
      'node_modules/**',
      'jest-results.json',
      'eslint.config.mjs',
      'jest.config.mjs',
      'web/src/api/schema.ts',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    // Layers (docs/development.md#layers): only src/database/ talks to TypeORM (DataSource,
    // EntityManager, repositories) or the pg pool; features use its repositories and `Transaction`.
    files: ['src/**/*.ts'],
    ignores: ['src/database/**', 'src/**/*.spec.ts', ...NOT_YET_ON_REPOSITORIES],
    rules: { 'no-restricted-imports': ['error', { paths: DATABASE_ONLY }] },
  },
  {
    // The scheduler sits below the features: they call it through SchedulerFacade, it imports none of them.
    files: ['src/scheduler/**/*.ts'],
    ignores: ['src/**/*.spec.ts', ...NOT_YET_ON_REPOSITORIES],
    rules: { 'no-restricted-imports': ['error', { paths: DATABASE_ONLY, patterns: SCHEDULER_BELOW_FEATURES }] },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
