import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SchedulerModule } from '../scheduler/scheduler.module.js';
import { EventLoopMonitor } from './event-loop.monitor.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), SchedulerModule],
  providers: [EventLoopMonitor],
  controllers: [HealthController],
})
export class HealthModule {}
