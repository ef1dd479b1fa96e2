import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PgPool } from '../database/pg-pool.js';

/** Seconds, from a millisecond of fire delay to a day-long job. */
const DURATION_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const DELAY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60];
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/**
 * This instance's Prometheus metrics (prom-client), in a registry of its own. The scheduler counts
 * into the counters and histograms; gauges read their value when scraped. Every series is per
 * instance: sum them in Prometheus for the whole cluster.
 */
@Injectable()
export class Metrics implements OnModuleInit {
  readonly registry = new Registry();

  readonly fires = new Counter({
    name: 'cronwarden_fires_total',
    help: "Fires this instance's timers proposed, by who won the claim (here, or another instance)",
    labelNames: ['claimed_by'] as const,
    registers: [this.registry],
  });

  readonly claimsLost = new Counter({
    name: 'cronwarden_claims_lost_total',
    help: 'Fires this instance proposed that another instance had already claimed',
    registers: [this.registry],
  });

  readonly executions = new Counter({
    name: 'cronwarden_executions_total',
    help: 'Executions this instance recorded, by final state (skipped and missed when claimed) and job class',
    labelNames: ['state', 'job_class'] as const,
    registers: [this.registry],
  });

  readonly retries = new Counter({
    name: 'cronwarden_retries_total',
    help:
      'Retries of failed or timed-out runs: written by this instance (scheduled), claimed by it when due ' +
      '(started, or skipped: the job paused, deleted, at a limit or its owner without the right)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly listPages = new Counter({
    name: 'cronwarden_list_pages_total',
    help:
      'Pages of GET /jobs and GET /executions this instance answered: written by PostgreSQL, or sent again ' +
      '(the version PostgreSQL gave is that of the page this instance sent last for the same question)',
    labelNames: ['list', 'answer'] as const,
    registers: [this.registry],
  });

  readonly executionDuration = new Histogram({
    name: 'cronwarden_execution_duration_seconds',
    help: 'Run time of executions run by this instance (started to finished)',
    labelNames: ['state', 'job_class'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  readonly fireDelay = new Histogram({
    name: 'cronwarden_fire_delay_seconds',
    help: 'started_time − scheduled_time of scheduled executions started by this instance',
    labelNames: ['trigger'] as const,
    buckets: DELAY_BUCKETS,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'cronwarden_http_request_duration_seconds',
    help: 'HTTP requests answered by this instance, by route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  private registeredJobsSource: () => number = () => 0;
  private runningSource: () => number = () => 0;
  private pausedSource: () => boolean = () => false;

  constructor(
    private readonly pgPool: PgPool,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'cronwarden_' });
    const registeredJobs = (): number => this.registeredJobsSource();
    const running = (): number => this.runningSource();
    new Gauge({
      name: 'cronwarden_registered_jobs',
      help: 'Active jobs with a timer on this instance',
      registers: [this.registry],
      collect() {
        this.set(registeredJobs());
      },
    });
    new Gauge({
      name: 'cronwarden_running_executions',
      help: 'Executions running on this instance now',
      registers: [this.registry],
      collect() {
        this.set(running());
      },
    });
    const paused = (): boolean => this.pausedSource();
    new Gauge({
      name: 'cronwarden_scheduler_paused',
      help: '1 while this instance starts no fires (the scheduler switch is paused, or SCHEDULER_START_PAUSED holds it)',
      registers: [this.registry],
      collect() {
        this.set(paused() ? 1 : 0);
      },
    });
    const database = this.pgPool;
    new Gauge({
      name: 'cronwarden_db_pool_connections',
      help: "This instance's PostgreSQL pool: open connections (total), idle ones, and queries waiting for one",
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const stats = database.stats();
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    });
  }

  /** Times every HTTP request by its route template (never the raw URL: ids would explode the series). */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify?.addHook) return;
    fastify.addHook('onResponse', (request, reply, done) => {
      this.httpDuration.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }

  /** Where the scheduler's gauges read from (set once by the scheduler at start). */
  observeScheduler(sources: { registeredJobs: () => number; runningExecutions: () => number }): void {
    this.registeredJobsSource = sources.registeredJobs;
    this.runningSource = sources.runningExecutions;
  }

  /** Where the scheduler-switch gauge reads from (set once by the scheduler at start). */
  observeSwitch(paused: () => boolean): void {
    this.pausedSource = paused;
  }

  /** Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
