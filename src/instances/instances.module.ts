import { Module } from '@nestjs/common';
import { SchedulerModule } from '../scheduler/scheduler.module.js';
import { InstancesController } from './instances.controller.js';

@Module({ imports: [SchedulerModule], controllers: [InstancesController] })
export class InstancesModule {}
