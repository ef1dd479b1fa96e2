import { readdir, readFile } from 'node:fs/promises';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { ProcessSandbox } from './process-sandbox.js';
import { PythonInterpreter } from './python-interpreter.js';
import { SandboxHost } from './sandbox-host.js';

/** The defaults of the SANDBOX_* settings and SCRIPT_MAX_BYTES. */
export const DEFAULT_SANDBOX_CONFIG: AppConfig['sandbox'] = {
  memoryMb: 256,
  uidRange: { first: 1900000000, last: 1900065535 },
  network: 'none',
  tmpfsMb: 64,
  maxProcesses: 256,
  scriptMaxBytes: 262144,
  python: 'python3',
};

/** Configuration for specs: the sandbox and job settings, defaults unless given. */
export function sandboxConfig(
  sandbox: Partial<AppConfig['sandbox']> = {},
  jobs: Partial<AppConfig['jobs']> = {},
): ConfigService<AppConfig, true> {
  return new ConfigService<AppConfig, true>({
    sandbox: { ...DEFAULT_SANDBOX_CONFIG, ...sandbox },
    embedded: { dataDir: '/nonexistent-data-dir', port: 54329 },
    jobs: { defaultTimeoutSeconds: 3600, disabledClasses: [], resultMaxBytes: 65536, outputMaxBytes: 65536, ...jobs },
  });
}

/** A real ProcessSandbox (real processes) for specs, outside Nest; runs see `python`'s folders. */
export function sandboxForTests(config = sandboxConfig(), python = new PythonInterpreter(config)): ProcessSandbox {
  return new ProcessSandbox(config, new SandboxHost(config, python));
}

/** Processes (pid and name) whose real uid lies in `range`: what is left of sandboxed runs, seen from outside. */
export async function processesInUidRange(range: {
  first: number;
  last: number;
}): Promise<Array<{ pid: number; name: string; uid: number }>> {
  const found: Array<{ pid: number; name: string; uid: number }> = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const status = await readFile(`/proc/${entry}/status`, 'utf8').catch(() => '');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1);
    const state = /^State:\s+(\S)/m.exec(status)?.[1];
    if (uid >= range.first && uid <= range.last && state !== 'Z' && state !== 'X') {
      found.push({ pid: Number(entry), name: /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '', uid });
    }
  }
  return found;
}

/** A sandbox that works here, or a failure saying why not (tests that need it never skip). */
export async function workingSandbox(config = sandboxConfig()): Promise<ProcessSandbox> {
  const sandbox = sandboxForTests(config);
  const reason = await sandbox.unavailableReason();
  if (reason !== null) throw new Error(`This test needs the sandbox (run as root on Linux): ${reason}`);
  return sandbox;
}
