import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'dotenv';
import { CONFIG_DOC, configTableLines, replaceConfigTable } from './config-table.js';
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

describe('configuration table (docs/configuration.md)', () => {
  const doc = readFileSync(path.resolve(import.meta.dirname, '..', '..', CONFIG_DOC), 'utf8');
  const lines = doc.split('\n');

  it.each(Object.keys(ENV_VARS) as EnvVarName[])('documents %s with its default', (name) => {
    const spec: EnvVarSpec = ENV_VARS[name];
    const row = lines.find((line) => line.startsWith(`| \`${name}\``));
    expect(row).toBeDefined();
    expect(row).toContain(spec.default ? `\`${spec.default}\`` : 'unset');
  });

  it('is exactly what npm run docs:config writes: one unpadded row per variable, in schema order', () => {
    const start = lines.findIndex((line) => line.startsWith('| Variable'));
    expect(start).toBeGreaterThanOrEqual(0);
    let end = start;
    while (lines[end]?.startsWith('|')) end += 1;
    expect(lines.slice(start, end)).toEqual(configTableLines());
    expect(replaceConfigTable(doc)).toBe(doc);
  });
});
