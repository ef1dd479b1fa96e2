import { Module } from '@nestjs/common';
import { SchedulerModule } from '../scheduler/scheduler.module.js';
import { EventHub } from './event-hub.service.js';
import { EventsController } from './events.controller.js';

/** The live event stream (GET /api/v1/events) and live output of running executions. */
@Module({
  imports: [SchedulerModule],
  providers: [EventHub],
  controllers: [EventsController],
  exports: [EventHub],
})
export class EventsModule {}
