import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { SandboxModule } from '../sandbox/sandbox.module.js';
import { ScriptsModule } from '../scripts/scripts.module.js';
import { ScriptsService } from '../scripts/scripts.service.js';
import { CurlJob } from './builtin/curl.job.js';
import { PythonScriptRunner } from './builtin/python/python-script.runner.js';
import { SampleJob } from './builtin/sample.job.js';
import { ScriptJob } from './builtin/script.job.js';
import { ShellJob } from './builtin/shell.job.js';
import { JobClassRegistry } from './job-class.registry.js';
import { JobClassesController } from './job-classes.controller.js';
import { SCRIPT_SOURCE } from './script-source.js';

@Module({
  imports: [DiscoveryModule, SandboxModule, ScriptsModule],
  providers: [
    JobClassRegistry,
    SampleJob,
    ShellJob,
    CurlJob,
    ScriptJob,
    PythonScriptRunner,
    // ScriptJob reads uploaded scripts (only those the job's owner can see) from the scripts module.
    { provide: SCRIPT_SOURCE, useExisting: ScriptsService },
  ],
  controllers: [JobClassesController],
  exports: [JobClassRegistry],
})
export class JobClassesModule {}
