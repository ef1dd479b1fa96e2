import { Logger } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { ScriptJob } from '../../src/job-classes/builtin/script.job.js';
import { ShellJob } from '../../src/job-classes/builtin/shell.job.js';
import type { JobRunContext } from '../../src/job-classes/job-class.types.js';
import type { ScriptSource } from '../../src/job-classes/script-source.js';
import { sandboxConfig, sandboxForTests } from '../../src/sandbox/sandbox.testing.js';

export interface SandboxCostFigures {
  runs: number;
  /** From the call to the result, in ms. */
  bare_spawn_true_ms: { p50: number; p99: number };
  shell_true_ms: { p50: number; p99: number };
  script_trivial_ms: { p50: number; p99: number };
}

const SCRIPT_ID = '00000000-0000-4000-8000-000000000001';

class OneScript implements ScriptSource {
  sourceFor(): Promise<string | null> {
    return Promise.resolve('export function run(n) { return n + 1 }');
  }
}

function percentiles(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number =>
    Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1));
  return { p50: at(0.5), p99: at(0.99) };
}

async function timed(runs: number, once: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  await once(); // warm: the sandbox is prepared on first use
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await once();
    samples.push(performance.now() - started);
  }
  return percentiles(samples);
}

function bareTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/true', [], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
}

/**
 * What the sandbox costs one run, sequentially (no other load): ShellJob `/bin/true` and a trivial
 * ScriptJob, from the call to the result, next to a bare spawn of `/bin/true`.
 */
export async function sandboxScenario(runs = 60): Promise<SandboxCostFigures> {
  // The JSON document on stdout must stay clean.
  Logger.overrideLogger(false);
  const config = sandboxConfig();
  const sandbox = sandboxForTests(config);
  const shell = new ShellJob(sandbox, config);
  const script = new ScriptJob(sandbox, config, new OneScript());
  const context: JobRunContext = {
    executionId: 'bench',
    jobId: null,
    ownerId: null,
    signal: new AbortController().signal,
    logger: { log: () => undefined, error: () => undefined, warn: () => undefined },
    outputMaxBytes: 65536,
  };
  return {
    runs,
    bare_spawn_true_ms: await timed(runs, bareTrue),
    shell_true_ms: await timed(runs, () => shell.run(['/bin/true'], context)),
    script_trivial_ms: await timed(runs, () => script.run([SCRIPT_ID, 1], context)),
  };
}
