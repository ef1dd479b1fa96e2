// npm run bench [-- --only auth] [--seconds 10]: runs the benchmarks against the built server and
// prints one JSON document. Not part of npm test; never gates CI.
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { authScenario } from './scenarios/auth.js';

const SCENARIOS = { auth: authScenario } as const;
type ScenarioName = keyof typeof SCENARIOS;

const { values } = parseArgs({
  options: { only: { type: 'string', multiple: true }, seconds: { type: 'string', default: '10' } },
});
const names = (values.only ?? Object.keys(SCENARIOS)) as ScenarioName[];
const seconds = Number(values.seconds);

const results: Record<string, unknown> = {};
for (const name of names) {
  process.stderr.write(`bench: ${name}…\n`);
  results[name] = await SCENARIOS[name](seconds);
}

process.stdout.write(
  `${JSON.stringify(
    {
      machine: { cpus: cpus().length, memory_gib: Math.round(totalmem() / 2 ** 30), node: process.version },
      started: new Date().toISOString(),
      results,
    },
    null,
    2,
  )}\n`,
);
