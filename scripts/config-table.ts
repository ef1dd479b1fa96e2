// npm run docs:config — rewrites the configuration table in docs/configuration.md from the schema (the
// single source of every variable, its default and what it accepts); src/config/env-example.spec.ts
// checks it. The table stays unpadded (one row per line): docs/configuration.md is in .prettierignore.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ENV_VARS } from '../src/config/config.schema.js';
import { CONFIG_DOC, replaceConfigTable } from '../src/config/config-table.js';

const docPath = path.resolve(import.meta.dirname, '..', '..', CONFIG_DOC);
const before = readFileSync(docPath, 'utf8');
const after = replaceConfigTable(before);
writeFileSync(docPath, after);
const count = Object.keys(ENV_VARS).length;
process.stdout.write(`${CONFIG_DOC}: ${count} variables${after === before ? ', unchanged' : ', table rewritten'}\n`);
