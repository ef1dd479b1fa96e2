// Skips a build whose inputs have not changed since the last one: `npm test` and `npm start` build
// first (a fresh clone has no dist/), and CI builds just before `npm test`, so without this the same
// build ran twice. The stamp is a SHA-256 over every build input's path and content, written by
// `npm run build` into dist/ after both halves (server and web UI) succeeded.
//
//   node scripts/build-stamp.mjs check   exit 0 when dist/ was built from the inputs as they are now
//   node scripts/build-stamp.mjs write   records the inputs dist/ was just built from
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const STAMP = path.join(ROOT, 'dist', '.build-inputs.sha256');
/** What `nest build` (tsconfig.build.json, nest-cli.json assets) and `vite build` read. */
const INPUTS = [
  'src',
  'migrations',
  'bench',
  'scripts',
  'web',
  'ormconfig.ts',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
];
const SKIPPED_DIRS = new Set(['node_modules', 'results']);

function files(relative) {
  const absolute = path.join(ROOT, relative);
  if (!existsSync(absolute)) return [];
  if (!statSync(absolute).isDirectory()) return [relative];
  return readdirSync(absolute, { withFileTypes: true })
    .filter((entry) => !(entry.isDirectory() && SKIPPED_DIRS.has(entry.name)))
    .flatMap((entry) => files(path.join(relative, entry.name)));
}

function digest() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(files).sort()) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(ROOT, file)))
      .update('\0');
  }
  return hash.digest('hex');
}

const command = process.argv[2];
if (command === 'write') {
  writeFileSync(STAMP, `${digest()}\n`);
} else if (command === 'check') {
  const current = existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === digest();
  if (current) console.log('dist/ is up to date with the sources: not building again');
  process.exit(current ? 0 : 1);
} else {
  console.error('usage: node scripts/build-stamp.mjs check|write');
  process.exit(2);
}
