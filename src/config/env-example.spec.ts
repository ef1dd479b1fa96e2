import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';
import { ENV_VARS, type EnvVarName, type EnvVarSpec } from './config.schema.js';

describe('.env.example', () => {
  const example = parse(readFileSync(path.resolve(import.meta.dirname, '..', '..', '.env.example')));

  it('lists every variable Cronwarden reads, and nothing else', () => {
    expect(Object.keys(example).sort()).toEqual(Object.keys(ENV_VARS).sort());
  });

  it.each(Object.keys(ENV_VARS) as EnvVarName[])('gives the real default of %s', (name) => {
    const spec: EnvVarSpec = ENV_VARS[name];
    expect(example[name]).toBe(spec.default ?? '');
  });
});

describe('README configuration table', () => {
  const readme = readFileSync(path.resolve(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

  it.each(Object.keys(ENV_VARS) as EnvVarName[])('documents %s with its default', (name) => {
    const spec: EnvVarSpec = ENV_VARS[name];
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\``));
    expect(row).toBeDefined();
    expect(row).toContain(spec.default ? `\`${spec.default}\`` : 'unset');
  });
});
