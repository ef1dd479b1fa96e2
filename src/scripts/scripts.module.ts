import { Module } from '@nestjs/common';
import { SandboxModule } from '../sandbox/sandbox.module.js';
import { PythonCheck } from './python-check.js';
import { ScriptsController } from './scripts.controller.js';
import { ScriptsService } from './scripts.service.js';

@Module({
  imports: [SandboxModule],
  providers: [ScriptsService, PythonCheck],
  controllers: [ScriptsController],
  exports: [ScriptsService],
})
export class ScriptsModule {}
