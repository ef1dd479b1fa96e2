// npm run bench [-- --only registration --only firing --only api --only auth --only replicas --only sandbox --only events --only ui --only webhooks] [--seconds 10]
// [--fire-seconds 30] [--replica-seconds 15] [--replica-rates 250,500,1000,2000,3000]:
// runs the benchmarks against the built server and prints one JSON document. Not part of npm test; never gates CI.
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { apiScenario } from './scenarios/api.js';
import { authScenario } from './scenarios/auth.js';
import { eventsScenario } from './scenarios/events.js';
import { firingScenario } from './scenarios/firing.js';
import { registrationScenario } from './scenarios/registration.js';
import { replicasScenario } from './scenarios/replicas.js';
import { sandboxScenario } from './scenarios/sandbox.js';
import { scriptsScenario } from './scenarios/scripts.js';
import { uiScenario } from './scenarios/ui.js';
import { webhooksScenario } from './scenarios/webhooks.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string', multiple: true },
    seconds: { type: 'string', default: '10' },
    'fire-seconds': { type: 'string', default: '30' },
    'replica-seconds': { type: 'string', default: '15' },
    'replica-rates': { type: 'string', default: '250,500,1000,2000,3000' },
  },
});
const seconds = Number(values.seconds);
const fireSeconds = Number(values['fire-seconds']);
const replicaSeconds = Number(values['replica-seconds']);
const replicaRates = values['replica-rates'].split(',').map(Number);

const SCENARIOS = {
  registration: () => registrationScenario(),
  firing: () => firingScenario(fireSeconds),
  api: () => apiScenario(seconds),
  auth: () => authScenario(seconds),
  scripts: () => scriptsScenario(),
  sandbox: () => sandboxScenario(),
  replicas: () => replicasScenario(replicaSeconds, replicaRates),
  events: () => eventsScenario(),
  ui: () => uiScenario(),
  webhooks: () => webhooksScenario(),
} as const;
type ScenarioName = keyof typeof SCENARIOS;
const names = (values.only ?? Object.keys(SCENARIOS)) as ScenarioName[];

const results: Record<string, unknown> = {};
for (const name of names) {
  process.stderr.write(`bench: ${name}…\n`);
  results[name] = await SCENARIOS[name]();
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
