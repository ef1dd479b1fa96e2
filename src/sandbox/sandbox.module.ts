import { Module } from '@nestjs/common';
import { ProcessSandbox } from './process-sandbox.js';
import { PythonInterpreter } from './python-interpreter.js';
import { SandboxHost } from './sandbox-host.js';

/** Runs untrusted programs for the code-running job classes (ShellJob, ScriptJob). */
@Module({
  providers: [SandboxHost, ProcessSandbox, PythonInterpreter],
  exports: [ProcessSandbox, PythonInterpreter],
})
export class SandboxModule {}
