import { Module } from '@nestjs/common';
import { SchedulerModule } from '../scheduler/scheduler.module.js';
import { EventHub } from './event-hub.service.js';
import { EventsController } from './events.controller.js';
import { ExecutionOutputController } from './execution-output.controller.js';
import { ExecutionOutputService } from './execution-output.service.js';
import { OutputHub } from './output-hub.js';

/** The live event stream (GET /api/v1/events) and live output of running executions. */
@Module({
  imports: [SchedulerModule],
  providers: [EventHub, OutputHub, ExecutionOutputService],
  controllers: [EventsController, ExecutionOutputController],
  exports: [EventHub, OutputHub],
})
export class EventsModule {}
