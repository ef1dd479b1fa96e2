import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { HostCapabilities } from './sandbox-host.js';
import { SANDBOX_PATH } from './sandbox-limits.js';
import { SandboxStartError } from './sandbox.types.js';

const run = promisify(execFile);

const PLAIN_NAME = /^(?!\.\.?$)[^/\0]+$/;

/**
 * A fresh folder for one run (`<tmp>/cronwarden-run-XXXXXX`, mode 0700) holding `files`; as root it
 * is handed to the sandbox user, files included. Nothing runs yet, so writing as root is safe.
 */
export async function createWorkDir(
  files: Readonly<Record<string, string | Buffer>>,
  caps: HostCapabilities,
): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cronwarden-run-'));
  try {
    for (const [name, content] of Object.entries(files)) {
      if (!PLAIN_NAME.test(name))
        throw new SandboxStartError(`work dir file name ${JSON.stringify(name)} is not a plain name`, 'EINVAL');
      const file = path.join(dir, name);
      await writeFile(file, content, { mode: 0o600, flag: 'wx' });
      if (caps.user) await chown(file, caps.user.uid, caps.user.gid);
    }
    if (caps.user) await chown(dir, caps.user.uid, caps.user.gid);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

async function exists(dir: string): Promise<boolean> {
  return stat(dir).then(
    () => true,
    () => false,
  );
}

/**
 * Removes the work dir, as the user that owns it. Root must not walk a folder the sandbox user
 * controls: a process that escaped the group could swap a subfolder for a symlink mid-walk and make
 * root delete elsewhere. Folders the program made unreadable are opened up (as that user) first.
 * Resolves to false when something is left (a warning for the caller).
 */
export async function removeWorkDir(dir: string, caps: HostCapabilities): Promise<boolean> {
  const succeeded = (work: Promise<unknown>): Promise<boolean> =>
    work.then(
      () => true,
      () => false,
    );
  // Not root: the program ran as this very user, so there is no privilege to abuse; remove in-process.
  if (!caps.user && (await succeeded(rm(dir, { recursive: true, force: true })))) return true;
  const asOwner = { env: { PATH: SANDBOX_PATH }, uid: caps.user?.uid, gid: caps.user?.gid };
  const removeAll = (): Promise<boolean> => succeeded(run(caps.rm, ['-rf', '--', dir], asOwner));
  if (!(await removeAll())) {
    await succeeded(run('chmod', ['-R', 'u+rwX', '--', dir], asOwner));
    await removeAll();
  }
  // The sandbox user may lack write access to the parent (a TMPDIR that is not like /tmp): the now
  // empty folder itself is safe for root to remove (rmdir never follows a symlink).
  await succeeded(rmdir(dir));
  return !(await exists(dir));
}
