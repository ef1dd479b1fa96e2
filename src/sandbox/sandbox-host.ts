import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { AppConfig } from '../config/app-config.js';
import { SANDBOX_PATH } from './sandbox-limits.js';
import { ensureSandboxUser, type SandboxUser } from './sandbox-user.js';

const run = promisify(execFile);

/** What this machine offers the sandbox: found once, then reused. */
export interface HostCapabilities {
  /** Set when the server runs as root: sandboxed programs run as this user, never as root. */
  user: SandboxUser | null;
  /** util-linux `prlimit` (rlimits), `setpriv` (user switch, no_new_privs, parent-death signal); coreutils `nice`, `rm`. */
  prlimit: string | null;
  setpriv: string | null;
  nice: string | null;
  rm: string;
}

/** How to cut a program off the network: a command prefix, and where it must stand in the chain. */
export interface NetworkCutter {
  /** e.g. `['/usr/bin/unshare', '--net', '--']`. */
  prefix: string[];
  /** True: needs root (stands before the switch to the sandbox user); false: a user namespace, runs as the user. */
  privileged: boolean;
}

async function firstExecutable(name: string): Promise<string | null> {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    const candidate = `${dir}/${name}`;
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next folder
    }
  }
  return null;
}

function errorText(error: unknown): string {
  const stderr = (error as { stderr?: unknown }).stderr;
  const text = typeof stderr === 'string' && stderr.trim() ? stderr.trim() : (error as Error).message;
  return text.split('\n')[0];
}

/**
 * Finds what the sandbox can use on this machine, once: the sandbox user (created when the server
 * runs as root), the util-linux tools, and a way to cut the network. What is missing is logged once,
 * as a warning, and left out; a sandbox user that cannot be had is an error (never run as root).
 */
@Injectable()
export class SandboxHost {
  private readonly logger = new Logger('ProcessSandbox');
  private capabilitiesOnce: Promise<HostCapabilities> | undefined;
  private networkOnce: Promise<NetworkCutter | null> | undefined;

  constructor(private readonly config: ConfigService<AppConfig, true>) {}

  capabilities(): Promise<HostCapabilities> {
    this.capabilitiesOnce ??= this.findCapabilities().catch((error: unknown) => {
      // A failed useradd may work next time (a transient lock): ask again on the next run.
      this.capabilitiesOnce = undefined;
      throw error;
    });
    return this.capabilitiesOnce;
  }

  /** Null (with a warning, once) when no network namespace can be made here. */
  networkCutter(): Promise<NetworkCutter | null> {
    this.networkOnce ??= this.findNetworkCutter();
    return this.networkOnce;
  }

  private async findCapabilities(): Promise<HostCapabilities> {
    const isRoot = process.getuid?.() === 0;
    const [prlimit, setpriv, nice, rm] = await Promise.all(
      ['prlimit', 'setpriv', 'nice', 'rm'].map((name) => firstExecutable(name)),
    );
    const userName = this.config.get('sandbox.user', { infer: true });
    const user = isRoot ? await ensureSandboxUser(userName, (message) => this.logger.warn(message)) : null;
    if (!prlimit) {
      this.logger.warn(
        'prlimit (util-linux) was not found: ScriptJob and ShellJob run without rlimits (memory, processes, open files, file size)',
      );
    }
    if (!setpriv) {
      this.logger.warn(
        'setpriv (util-linux) was not found: sandboxed programs run without no_new_privs and are not killed when the server dies',
      );
    }
    if (!isRoot) {
      this.logger.warn(
        'Cronwarden does not run as root: ScriptJob and ShellJob run as the server user (no separate sandbox user, no process-count limit)',
      );
    }
    return { user, prlimit, setpriv, nice, rm: rm ?? '/bin/rm' };
  }

  private async findNetworkCutter(): Promise<NetworkCutter | null> {
    const caps = await this.capabilities();
    const unshare = await firstExecutable('unshare');
    const truePath = (await firstExecutable('true')) ?? '/bin/true';
    const problems: string[] = [];
    const works = async (prefix: string[], asUser: boolean): Promise<boolean> => {
      const switchUser =
        asUser && caps.user && caps.setpriv
          ? [caps.setpriv, `--reuid=${caps.user.uid}`, `--regid=${caps.user.gid}`, '--clear-groups', '--']
          : [];
      const [file, ...args] = [...switchUser, ...prefix, truePath];
      try {
        await run(file, args, {
          env: { PATH: SANDBOX_PATH },
          uid: asUser && caps.user && !caps.setpriv ? caps.user.uid : undefined,
          gid: asUser && caps.user && !caps.setpriv ? caps.user.gid : undefined,
        });
        return true;
      } catch (error) {
        problems.push(`${prefix.slice(0, -1).join(' ')}: ${errorText(error)}`);
        return false;
      }
    };
    if (unshare) {
      // As root (with setpriv to drop to the user afterwards), a plain network namespace; otherwise one
      // inside a user namespace, made by the sandbox user itself.
      if (caps.user && caps.setpriv) {
        const prefix = [unshare, '--net', '--'];
        if (await works(prefix, false)) return { prefix, privileged: true };
      }
      for (const mapping of ['--map-current-user', '--map-root-user']) {
        const prefix = [unshare, '--net', mapping, '--'];
        if (await works(prefix, true)) return { prefix, privileged: false };
      }
    } else {
      problems.push('unshare (util-linux) was not found');
    }
    this.logger.warn(
      `SCRIPT_NETWORK=none cannot be honoured here, scripts run WITH network access: no network namespace could be made (${problems.join('; ')})`,
    );
    return null;
  }
}
