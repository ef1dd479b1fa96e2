// npm run docs:config — rewrites the configuration table in README.md from the schema (the single
// source of every variable, its default and what it accepts); src/config/env-example.spec.ts checks it.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENV_VARS, type EnvVarSpec } from '../src/config/config.schema.js';

const readmePath = path.resolve(import.meta.dirname, '..', '..', 'README.md');
const rows = Object.entries(ENV_VARS).map(([name, spec]: [string, EnvVarSpec]) => {
  const shown = spec.default ? `\`${spec.default}\`` : 'unset';
  return `| \`${name}\` | ${shown} | ${spec.accepts}: ${spec.description} |`;
});
const table = ['| Variable | Default | Accepts / meaning |', '| --- | --- | --- |', ...rows];
const lines = readFileSync(readmePath, 'utf8').split('\n');
const start = lines.findIndex((line) => line.startsWith('| Variable'));
if (start < 0) throw new Error('README.md has no configuration table (a line starting with "| Variable")');
let end = start;
while (lines[end]?.startsWith('|')) end += 1;
lines.splice(start, end - start, ...table);
writeFileSync(readmePath, lines.join('\n'));
process.stdout.write(`README.md: ${rows.length} variables; run prettier --write README.md to align the table\n`);
