import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SandboxStartError } from './sandbox.types.js';

const run = promisify(execFile);

/** The unprivileged account sandboxed programs run as when the server runs as root. */
export interface SandboxUser {
  name: string;
  uid: number;
  gid: number;
}

async function lookup(name: string): Promise<SandboxUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/**
 * The user `name`, created as a system user (own group, no home, no login shell) when missing.
 * Never root: a sandbox that would run as root is refused.
 */
export async function ensureSandboxUser(name: string, onCreate: (message: string) => void): Promise<SandboxUser> {
  let user = await lookup(name);
  let problem = '';
  if (!user) {
    onCreate(`Running as root: creating the system user '${name}' (SANDBOX_USER) to run ScriptJob and ShellJob`);
    try {
      await run('useradd', [
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        name,
      ]);
    } catch (error) {
      problem = ((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
    }
    user = await lookup(name);
  }
  if (!user) {
    throw new SandboxStartError(
      `Running as root, sandboxed jobs need the unprivileged user '${name}' (SANDBOX_USER) and it could not be created${problem ? ` (${problem})` : ''}`,
      'ESANDBOX',
    );
  }
  if (user.uid === 0 || user.gid === 0) {
    throw new SandboxStartError(`SANDBOX_USER '${name}' is root (uid or gid 0): name an unprivileged user`, 'ESANDBOX');
  }
  return user;
}
