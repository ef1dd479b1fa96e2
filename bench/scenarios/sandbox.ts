import { Logger } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { PythonScriptRunner } from '../../src/job-classes/builtin/python/python-script.runner.js';
import { ScriptJob } from '../../src/job-classes/builtin/script.job.js';
import { ShellJob } from '../../src/job-classes/builtin/shell.job.js';
import type { JobRunContext } from '../../src/job-classes/job-class.types.js';
import type { ScriptCode, ScriptSource } from '../../src/job-classes/script-source.js';
import { PythonInterpreter } from '../../src/sandbox/python-interpreter.js';
import { sandboxConfig, sandboxForTests } from '../../src/sandbox/sandbox.testing.js';

export interface SandboxCostFigures {
  runs: number;
  /** From the call to the result, in ms. */
  bare_spawn_true_ms: { p50: number; p99: number };
  shell_true_ms: { p50: number; p99: number };
  script_trivial_ms: { p50: number; p99: number };
  /** A trivial Python ScriptJob (`def run(n): return n + 1`); null without a python3 here. */
  python_trivial_ms: { p50: number; p99: number } | null;
}

const SCRIPT_ID = '00000000-0000-4000-8000-000000000001';
const PYTHON_SCRIPT_ID = '00000000-0000-4000-8000-000000000002';

class TwoScripts implements ScriptSource {
  sourceFor(scriptId: string): Promise<ScriptCode | null> {
    return Promise.resolve(
      scriptId === PYTHON_SCRIPT_ID
        ? { source: 'def run(n):\n    return n + 1\n', language: 'python' }
        : { source: 'export function run(n) { return n + 1 }', language: 'javascript' },
    );
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
 * ScriptJob in JavaScript and in Python, from the call to the result, next to a bare spawn of `/bin/true`.
 */
export async function sandboxScenario(runs = 60): Promise<SandboxCostFigures> {
  // The JSON document on stdout must stay clean.
  Logger.overrideLogger(false);
  const config = sandboxConfig();
  const python = new PythonInterpreter(config);
  const sandbox = sandboxForTests(config, python);
  const shell = new ShellJob(sandbox, config);
  const script = new ScriptJob(sandbox, config, new TwoScripts(), new PythonScriptRunner(sandbox, python, config));
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
    python_trivial_ms: (await python.availability()).available
      ? await timed(runs, () => script.run([PYTHON_SCRIPT_ID, 1], context))
      : null,
  };
}
