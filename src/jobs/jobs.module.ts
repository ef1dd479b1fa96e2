import { Module } from '@nestjs/common';
import { JobClassesModule } from '../job-classes/job-classes.module.js';
import { SchedulerModule } from '../scheduler/scheduler.module.js';
import { ScriptsModule } from '../scripts/scripts.module.js';
import {
  JobActionGuard,
  JobClassesInImportGuard,
  JobClassInBodyGuard,
  JobClassOfJobGuard,
  JobVisibleGuard,
  OwnerFilterGuard,
} from './job.guards.js';
import { JobsController } from './jobs.controller.js';
import { JobTransferService } from './job-transfer.service.js';
import { JobWriter } from './job-writer.js';
import { JobsService } from './jobs.service.js';
import { MetricsModule } from '../metrics/metrics.module.js';

@Module({
  imports: [SchedulerModule, JobClassesModule, ScriptsModule, MetricsModule],
  providers: [
    JobsService,
    JobTransferService,
    JobWriter,
    JobActionGuard,
    JobClassInBodyGuard,
    JobClassesInImportGuard,
    JobClassOfJobGuard,
    JobVisibleGuard,
    OwnerFilterGuard,
  ],
  controllers: [JobsController],
  exports: [JobsService, JobActionGuard],
})
export class JobsModule {}
