import { randomInt } from 'node:crypto';
import { lstat, mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { SandboxStartError } from './sandbox.types.js';

const ATTEMPTS = 64;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Hands out uids from SANDBOX_UID_RANGE, one per running execution, never two at once: not within
 * this process (a set) and not across Cronwarden processes on the same host (a lock file per uid,
 * created exclusively in a root-only folder, holding the owner's pid; a dead owner's lock is taken
 * over). A uid is only released once every process of its run is gone.
 */
export class UidPool {
  private readonly inUse = new Set<number>();

  constructor(
    private readonly range: { first: number; last: number },
    private readonly lockDir: string,
  ) {}

  /** Makes the lock folder (root only) or checks that the existing one is a real, root-only folder. */
  async prepare(): Promise<void> {
    await mkdir(this.lockDir, { recursive: true, mode: 0o700 });
    const info = await lstat(this.lockDir);
    if (!info.isDirectory() || info.uid !== process.getuid?.() || (info.mode & 0o077) !== 0) {
      throw new SandboxStartError(
        `${this.lockDir} must be a folder of the server's user with mode 0700 (it holds the sandbox uid locks)`,
        'ESANDBOX',
      );
    }
  }

  async acquire(): Promise<number> {
    const size = this.range.last - this.range.first + 1;
    for (let attempt = 0; attempt < ATTEMPTS && this.inUse.size < size; attempt += 1) {
      const uid = this.range.first + randomInt(size);
      if (this.inUse.has(uid)) continue;
      this.inUse.add(uid);
      if (await this.lock(uid)) return uid;
      this.inUse.delete(uid);
    }
    throw new SandboxStartError(
      `no free uid in SANDBOX_UID_RANGE ${this.range.first}-${this.range.last} (${this.inUse.size} runs in this process)`,
      'EAGAIN',
    );
  }

  async release(uid: number): Promise<void> {
    await unlink(this.lockFile(uid)).catch(() => undefined);
    this.inUse.delete(uid);
  }

  private lockFile(uid: number): string {
    return path.join(this.lockDir, String(uid));
  }

  /** True once the lock file is ours; a lock of a process that is gone is taken over. */
  private async lock(uid: number): Promise<boolean> {
    const file = this.lockFile(uid);
    for (let round = 0; round < 2; round += 1) {
      try {
        const handle = await open(file, 'wx', 0o600);
        await handle.writeFile(String(process.pid));
        await handle.close();
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      // Another process's live run (or a lock being written right now): try another uid.
      if (!Number.isInteger(owner) || owner <= 0 || owner === process.pid || processAlive(owner)) return false;
      await unlink(file).catch(() => undefined);
    }
    return false;
  }
}
