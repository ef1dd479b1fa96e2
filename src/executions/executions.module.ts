import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { SchedulerModule } from '../scheduler/scheduler.module.js';
import { ExecutionsController } from './executions.controller.js';
import { ExecutionsService } from './executions.service.js';
import { MetricsModule } from '../metrics/metrics.module.js';

@Module({
  imports: [SchedulerModule, JobsModule, MetricsModule],
  providers: [ExecutionsService],
  controllers: [ExecutionsController],
})
export class ExecutionsModule {}
