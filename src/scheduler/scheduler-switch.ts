import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import type { SchedulerSwitchView } from '../database/repositories/scheduler-state.repository.js';

/** Why this instance starts no fire: the shared switch, or its own SCHEDULER_START_PAUSED hold. */
export type PauseReason = 'switch' | 'start_paused';

/**
 * This instance's copy of the scheduler switch, read on every wake-up of the dispatcher (a field,
 * no I/O). Paused when the shared switch is, or while this instance's start-paused hold lasts.
 */
@Injectable()
export class SchedulerSwitch {
  private readonly logger = new Logger(SchedulerSwitch.name);
  private sharedPaused = false;
  private held: boolean;
  private readonly resumeHandlers: Array<() => void> = [];

  constructor(config: ConfigService<AppConfig, true>) {
    this.held = config.get('scheduler.startPaused', { infer: true });
  }

  /** True while this instance starts no fire (neither scheduled nor run now). */
  get paused(): boolean {
    return this.sharedPaused || this.held;
  }

  get reason(): PauseReason | null {
    return this.sharedPaused ? 'switch' : this.held ? 'start_paused' : null;
  }

  /** Called when firing may go on again (after a pause or the start-paused hold). */
  onResume(handler: () => void): void {
    this.resumeHandlers.push(handler);
  }

  /** Takes the state read from the database (or just written by this instance). */
  apply(view: SchedulerSwitchView): void {
    const before = this.paused;
    const reasonBefore = this.reason;
    this.sharedPaused = view.paused;
    this.held = view.held;
    if (this.reason !== reasonBefore) {
      this.logger.log(
        this.paused
          ? `Scheduler paused (${this.reason === 'switch' ? 'by an admin' : 'SCHEDULER_START_PAUSED'}): this instance starts no fires`
          : 'Scheduler resumed: this instance fires again; fires missed meanwhile follow the misfire rules',
      );
    }
    if (before && !this.paused) for (const handler of this.resumeHandlers) handler();
  }
}
