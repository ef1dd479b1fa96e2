// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const DATABASE_ONLY = [
  { name: 'typeorm', message: 'Only src/database/ uses TypeORM: add a repository method there.' },
  { name: '@nestjs/typeorm', message: 'Only src/database/ uses TypeORM: add a repository method there.' },
  { name: 'pg', message: 'Only src/database/ uses the pg pool (src/database/pg-pool.ts).' },
];

const SCHEDULER_BELOW_FEATURES = [
  {
    group: [
      '**/jobs/**',
      '**/executions/**',
      '**/instances/**',
      '**/health/**',
      '**/scripts/**',
      '**/scheduler-control/**',
    ],
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
    ignores: ['src/database/**', 'src/**/*.spec.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: DATABASE_ONLY }] },
  },
  {
    // The scheduler sits below the features: they call it through SchedulerFacade, it imports none of them.
    files: ['src/scheduler/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
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
    files: ['test/**/*.ts', 'src/**/*.spec.ts', 'bench/**/*.ts', 'scripts/**/*.{ts,mjs}'],
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
