import { stat } from 'node:fs/promises';
import path from 'node:path';
import { SANDBOX_PATH } from './sandbox-limits.js';
import { SandboxStartError } from './sandbox.types.js';

/**
 * The absolute path of `name` as execvp would find it with the sandbox PATH (a name with a `/` is
 * taken relative to the work dir). Done here because behind the wrappers a missing program would
 * only show as a wrapper's message: this way it is a clear error before anything starts.
 */
export async function resolveExecutable(name: string, workDir: string): Promise<string> {
  const candidates = name.includes('/')
    ? [path.resolve(workDir, name)]
    : SANDBOX_PATH.split(':').map((dir) => path.join(dir, name));
  let notExecutable = false;
  for (const candidate of candidates) {
    const info = await stat(candidate).catch(() => undefined);
    if (!info) continue;
    if (info.isFile() && (info.mode & 0o111) !== 0) return candidate;
    notExecutable = true;
  }
  throw notExecutable
    ? new SandboxStartError(`${name} is not an executable file`, 'EACCES')
    : new SandboxStartError(`${name} was not found`, 'ENOENT');
}
