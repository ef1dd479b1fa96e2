import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';

export interface EventLoopDelay {
  /** Over the last complete 10-second window. */
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  window_s: number;
}

const WINDOW_MS = 10_000;

/** Event-loop delay over rolling 10-second windows: how late every timer of this process (fires included) runs. */
@Injectable()
export class EventLoopMonitor implements OnModuleInit, OnModuleDestroy {
  private histogram: IntervalHistogram | undefined;
  private timer: NodeJS.Timeout | undefined;
  private last: EventLoopDelay = { p50_ms: 0, p99_ms: 0, max_ms: 0, window_s: 0 };

  onModuleInit(): void {
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.timer = setInterval(() => this.rotate(), WINDOW_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.histogram?.disable();
  }

  get lastWindow(): EventLoopDelay {
    return this.last;
  }

  private rotate(): void {
    const h = this.histogram;
    if (!h) return;
    const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
    this.last = {
      p50_ms: ms(h.percentile(50)),
      p99_ms: ms(h.percentile(99)),
      max_ms: ms(h.max),
      window_s: WINDOW_MS / 1000,
    };
    h.reset();
  }
}
