// `npm test`: the whole suite in two lanes side by side, each running its files one at a time.
//
// - timed: the files that hold the product to wall-clock limits with several processes of their own
//   (browser tests: the built server, a second instance and Chromium; replicas, the trigger grid and
//   retries; start-up, shutdown, recovery and outage tests). Two of them side by side on 2 cores broke
//   those limits, so they never share the machine with each other.
// - rest: unit, web and the in-process e2e files, and the CLI's (its processes, one server among them,
//   are held to no wall-clock limit; the timed lane was the longer one with it).
//
// Each lane is a jest process of its own (with its own embedded PostgreSQL, test/setup/global-setup.mjs)
// running one file at a time in one worker process, which it replaces when the heap has grown (jest.config.mjs);
// their JSON results are merged into jest-results.json, which .ci/run reads. With arguments
// (`npm test -- test/jobs.e2e-spec.ts`), one jest runs them as given.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

const ROOT = path.resolve(import.meta.dirname, '..');
const RESULTS = path.join(ROOT, 'jest-results.json');
const JEST = [
  '--experimental-vm-modules',
  '--no-warnings=ExperimentalWarning',
  path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
];
/** Test paths (regular expressions, as jest takes them) of the timed lane. */
const TIMED = [
  '/test/ui(-[^/]*)?\\.e2e-spec\\.ts$',
  '/test/swagger-ui\\.e2e-spec\\.ts$',
  '/test/triggers\\.e2e-spec\\.ts$',
  '/test/retries\\.e2e-spec\\.ts$',
  '/test/replicas\\.e2e-spec\\.ts$',
  '/test/startup\\.e2e-spec\\.ts$',
  '/test/shutdown\\.e2e-spec\\.ts$',
  '/test/recovery\\.e2e-spec\\.ts$',
  '/test/db-outage\\.e2e-spec\\.ts$',
];

function runJest(name, args, outputFile) {
  const started = Date.now();
  const child = spawn(process.execPath, [...JEST, '--json', `--outputFile=${outputFile}`, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' },
  });
  for (const [stream, sink] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    // jest --json prints the results to stdout as well; they go to the file only.
    if (stream === child.stdout) continue;
    readline.createInterface({ input: stream }).on('line', (line) => sink.write(`[${name}] ${line}\n`));
  }
  child.stdout.resume();
  return new Promise((resolve) => {
    child.on('exit', (code, signal) =>
      resolve({ name, code: code ?? 1, signal, seconds: (Date.now() - started) / 1000 }),
    );
  });
}

function readResults(file) {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const SUMMED = [
  'numFailedTestSuites',
  'numFailedTests',
  'numPassedTestSuites',
  'numPassedTests',
  'numPendingTestSuites',
  'numPendingTests',
  'numRuntimeErrorTestSuites',
  'numTodoTests',
  'numTotalTestSuites',
  'numTotalTests',
];

function merge(lanes) {
  const present = lanes.filter((lane) => lane.results);
  const merged = { ...(present[0]?.results ?? {}) };
  for (const key of SUMMED) merged[key] = present.reduce((sum, lane) => sum + (lane.results[key] ?? 0), 0);
  const missing = lanes.length - present.length;
  merged.numRuntimeErrorTestSuites += missing;
  merged.numFailedTestSuites += missing;
  merged.startTime = Math.min(...present.map((lane) => lane.results.startTime));
  merged.success = missing === 0 && present.every((lane) => lane.results.success);
  merged.wasInterrupted = present.some((lane) => lane.results.wasInterrupted);
  merged.testResults = present.flatMap((lane) => lane.results.testResults ?? []);
  merged.openHandles = present.flatMap((lane) => lane.results.openHandles ?? []);
  merged.lanes = lanes.map(({ name, code, seconds }) => ({ name, exitCode: code, seconds }));
  return merged;
}

const args = process.argv.slice(2);
rmSync(RESULTS, { force: true });
if (args.length > 0) {
  const [result] = await Promise.all([runJest('jest', args, RESULTS)]);
  process.exit(result.code);
}

const dir = mkdtempSync(path.join(tmpdir(), 'cronwarden-lanes-'));
const started = Date.now();
const lanes = await Promise.all([
  runJest('timed', ['--selectProjects', 'e2e', '--testPathPatterns', ...TIMED], path.join(dir, 'timed.json')),
  runJest('rest', ['--testPathIgnorePatterns', '/node_modules/', ...TIMED], path.join(dir, 'rest.json')),
]);
for (const lane of lanes) lane.results = readResults(path.join(dir, `${lane.name}.json`));
const merged = merge(lanes);
writeFileSync(RESULTS, JSON.stringify(merged));
rmSync(dir, { recursive: true, force: true });

const failed = merged.testResults.flatMap((file) =>
  (file.assertionResults ?? [])
    .filter((test) => test.status === 'failed')
    .map((test) => `  ✕ ${path.relative(ROOT, file.name)} › ${test.fullName}`),
);
const crashed = merged.testResults
  .filter((file) => file.status === 'failed' && !(file.assertionResults ?? []).some((test) => test.status === 'failed'))
  .map(
    (file) =>
      `  ✕ ${path.relative(ROOT, file.name)}: ${
        String(file.message)
          .split('\n')
          .find((l) => l.trim()) ?? 'failed'
      }`,
  );
console.log('');
for (const lane of lanes) {
  const r = lane.results;
  const counts = r
    ? `${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numTotalTestSuites} files`
    : 'no results (jest did not finish)';
  console.log(`lane ${lane.name}: ${counts}, ${lane.seconds.toFixed(0)} s, exit ${lane.signal ?? lane.code}`);
}
if (failed.length + crashed.length > 0) console.log(['Failed:', ...failed, ...crashed].join('\n'));
console.log(
  `Tests: ${merged.numPassedTests} passed, ${merged.numFailedTests} failed, ${merged.numTotalTests} total; ` +
    `${((Date.now() - started) / 1000).toFixed(0)} s`,
);
process.exit(merged.success && lanes.every((lane) => lane.code === 0) ? 0 : 1);
