import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_VERSION } from '../common/app-version.js';
import type { AppConfig } from '../config/app-config.js';
import { ExecutionsRepository } from '../database/repositories/executions.repository.js';
import { type InstanceRow, InstancesRepository } from '../database/repositories/instances.repository.js';
import { InstanceIdentity } from './instance.js';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * This instance's row in `instances` and its heartbeat; and the recovery of executions left
 * `running` by instances that died (kill -9, power loss): they are marked `failed`, saying they were
 * interrupted — at this instance's start, and by every live instance on each heartbeat.
 * A live instance's executions are never touched.
 */
@Injectable()
export class InstanceRegistryService implements OnApplicationBootstrap {
  private readonly logger = new Logger(InstanceRegistryService.name);
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  /**
   * Since when this instance's heartbeats have succeeded without a break. After a database outage
   * every instance's heartbeat is old; judging the others dead before they had a chance to beat
   * again would fail their running executions, so recovery waits for INSTANCE_STALE_SECONDS of
   * this instance's own uninterrupted heartbeats.
   */
  private connectedSince: number | undefined;

  constructor(
    private readonly instances: InstancesRepository,
    private readonly executions: ExecutionsRepository,
    private readonly instance: InstanceIdentity,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.instances.insert({
      id: this.instance.id,
      hostname: this.instance.hostname,
      pid: this.instance.pid,
      version: APP_VERSION,
    });
    this.connectedSince = Date.now();
    await this.retireDeadNeighbours();
    await this.recover();
    const everyMs = this.config.get('instances.heartbeatSeconds', { infer: true }) * 1000;
    this.timer = setInterval(() => void this.beat(), everyMs);
    this.timer.unref();
  }

  /** Called by the scheduler once its running executions are finished or stopped: no more beats, row stopped. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.instances.markStopped([this.instance.id]).catch(() => undefined);
  }

  /** One heartbeat, then a recovery pass (both tolerate a database outage). */
  beat(): Promise<void> {
    this.beating ??= (async () => {
      try {
        await this.instances.heartbeat(this.instance.id);
        this.connectedSince ??= Date.now();
        const staleMs = this.config.get('instances.staleSeconds', { infer: true }) * 1000;
        if (Date.now() - this.connectedSince >= staleMs) await this.recover();
      } catch (error) {
        this.connectedSince = undefined;
        this.logger.warn(`Heartbeat failed: ${(error as Error).message}`);
      } finally {
        this.beating = undefined;
      }
    })();
    return this.beating;
  }

  /** Live (and stale) instances, or every recent one, with what they run now. */
  list(all: boolean): Promise<InstanceRow[]> {
    return this.instances.list(this.config.get('instances.staleSeconds', { infer: true }), all);
  }

  /** Instances heartbeating now. */
  aliveCount(): Promise<number> {
    return this.instances.countAlive(this.config.get('instances.staleSeconds', { infer: true }));
  }

  /**
   * Instances on this host whose process is gone are dead now, without waiting for their heartbeat
   * to go stale: the usual case of a restart after a crash.
   */
  private async retireDeadNeighbours(): Promise<void> {
    const rows = await this.instances.listRunningOnHost(this.instance.hostname, this.instance.id);
    const dead = rows.filter((row) => row.pid === this.instance.pid || !isAlive(row.pid)).map((row) => row.id);
    if (dead.length > 0) {
      await this.instances.markStopped(dead);
    }
  }

  /**
   * Marks `failed` every `running` execution whose instance is stopped or has not beaten for
   * INSTANCE_STALE_SECONDS. Only rows still `running` change, so a late finish of a lost row by its
   * old instance cannot overwrite them (that finish requires `running`).
   */
  async recover(): Promise<number> {
    const staleSeconds = this.config.get('instances.staleSeconds', { infer: true });
    const affected = await this.executions.failInterruptedAcrossOwners(this.instance.id, staleSeconds);
    if (affected > 0) this.logger.warn(`Marked ${affected} executions of dead instances as failed (interrupted)`);
    return affected;
  }
}
