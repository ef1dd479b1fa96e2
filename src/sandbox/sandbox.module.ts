import { Module } from '@nestjs/common';
import { ProcessSandbox } from './process-sandbox.js';
import { SandboxHost } from './sandbox-host.js';

/** Runs untrusted programs for the code-running job classes (ShellJob, ScriptJob). */
@Module({
  providers: [SandboxHost, ProcessSandbox],
  exports: [ProcessSandbox],
})
export class SandboxModule {}
