import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { JobClassesModule } from '../job-classes/job-classes.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { InstanceRegistryService } from './instance-registry.js';
import { SchedulerFacade } from './scheduler.facade.js';
import { ExecutionRunner } from './execution-runner.js';
import { FireClaimer } from './fire-claimer.js';
import { FireDispatcher } from './fire-dispatcher.js';
import { InstanceIdentity } from './instance.js';
import { JobSync } from './job-sync.js';
import { JobTimerRegistry } from './job-timer.registry.js';
import { OwnerRights } from './owner-rights.js';
import { RetryClaimer } from './retry-claimer.js';
import { SchedulerService } from './scheduler.service.js';
import { SchedulerSwitch } from './scheduler-switch.js';
import { SchedulerSwitchSync } from './scheduler-switch.sync.js';
import { Sweeper } from './sweeper.js';

@Module({
  imports: [ScheduleModule.forRoot(), JobClassesModule, MetricsModule],
  providers: [
    InstanceIdentity,
    InstanceRegistryService,
    OwnerRights,
    SchedulerSwitch,
    SchedulerSwitchSync,
    FireClaimer,
    ExecutionRunner,
    FireDispatcher,
    JobTimerRegistry,
    JobSync,
    RetryClaimer,
    Sweeper,
    SchedulerService,
    SchedulerFacade,
  ],
  exports: [
    SchedulerFacade,
    InstanceIdentity,
    InstanceRegistryService,
    FireClaimer,
    ExecutionRunner,
    FireDispatcher,
    JobTimerRegistry,
    JobSync,
    OwnerRights,
    SchedulerService,
  ],
})
export class SchedulerModule {}
