import { Module } from '@nestjs/common';
import { SchedulerModule } from '../scheduler/scheduler.module.js';
import { SchedulerControlController } from './scheduler-control.controller.js';
import { SchedulerControlService } from './scheduler-control.service.js';

/** The scheduler switch: GET /api/v1/scheduler, POST .../pause and .../resume. */
@Module({
  imports: [SchedulerModule],
  providers: [SchedulerControlService],
  controllers: [SchedulerControlController],
})
export class SchedulerControlModule {}
