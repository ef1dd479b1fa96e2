import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CurlJob } from './builtin/curl.job.js';
import { SampleJob } from './builtin/sample.job.js';
import { ShellJob } from './builtin/shell.job.js';
import { JobClassRegistry } from './job-class.registry.js';
import { JobClassesController } from './job-classes.controller.js';

@Module({
  imports: [DiscoveryModule],
  providers: [JobClassRegistry, SampleJob, ShellJob, CurlJob],
  controllers: [JobClassesController],
  exports: [JobClassRegistry],
})
export class JobClassesModule {}
