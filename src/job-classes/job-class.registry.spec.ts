import { Injectable, type LoggerService, Module, type Provider } from '@nestjs/common';
import { DEFAULT_SANDBOX_CONFIG } from '../sandbox/sandbox.testing.js';
import { ConfigModule } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { CurlJob } from './builtin/curl.job.js';
import { SandboxModule } from '../sandbox/sandbox.module.js';
import { SampleJob } from './builtin/sample.job.js';
import { PythonScriptRunner } from './builtin/python/python-script.runner.js';
import { ScriptJob } from './builtin/script.job.js';
import { ShellJob } from './builtin/shell.job.js';
import { JobClass } from './job-class.decorator.js';
import { JobClassRegistry } from './job-class.registry.js';
import type { JobClassHandler, JobClassMeta } from './job-class.types.js';
import { SCRIPT_SOURCE, type ScriptCode, type ScriptSource } from './script-source.js';

/** A script source where every script is "not found" (the registry never asks it). */
class NoScriptSource implements ScriptSource {
  sourceFor(): Promise<ScriptCode | null> {
    return Promise.resolve(null);
  }
}

function meta(jobClassString: string, extra: Partial<JobClassMeta> = {}): JobClassMeta {
  return {
    jobClassString,
    name: jobClassString,
    notes: '',
    arguments: [{ type: 'integer', description: 'count: how many' }],
    exampleArguments: [1],
    ...extra,
  };
}

@JobClass(meta('ZuluJob'))
class ZuluJob implements JobClassHandler {
  run(): Promise<unknown> {
    return Promise.resolve('zulu');
  }
}

@JobClass(meta('AlphaJob', { requiresPermission: 'code_execute' }))
class AlphaJob implements JobClassHandler {
  run(): Promise<unknown> {
    return Promise.resolve('alpha');
  }

  checkArguments(args: readonly unknown[]): string | null {
    return args[0] === 13 ? 'pub_args[0] (count) must not be 13' : null;
  }
}

@JobClass(meta('MissingDependencyJob'))
class MissingDependencyJob implements JobClassHandler {
  run(): Promise<unknown> {
    return Promise.resolve(null);
  }

  checkAvailable(): Promise<string | null> {
    return Promise.resolve('optional dependency left-pad is missing');
  }
}

@JobClass(meta('AlsoMissingJob'))
class AlsoMissingJob implements JobClassHandler {
  run(): Promise<unknown> {
    return Promise.resolve(null);
  }

  checkAvailable(): string | null {
    return 'optional dependency left-pad is missing';
  }
}

@JobClass(meta('BrokenCheckJob'))
class BrokenCheckJob implements JobClassHandler {
  run(): Promise<unknown> {
    return Promise.resolve(null);
  }

  checkAvailable(): string | null {
    throw new Error('cannot stat /opt/tool');
  }
}

@JobClass(meta('AlphaJob'))
class SecondAlphaJob implements JobClassHandler {
  run(): Promise<unknown> {
    return Promise.resolve(null);
  }
}

@JobClass(meta('BadJob', { exampleArguments: ['x'] }))
class BadDeclarationJob implements JobClassHandler {
  run(): Promise<unknown> {
    return Promise.resolve(null);
  }
}

@Injectable()
class NotAJobClass {}

/** Job classes also count when they live in another module. */
@Module({ providers: [ZuluJob] })
class OtherModule {}

class CapturingLogger implements LoggerService {
  readonly warnings: string[] = [];
  log(): void {}
  error(): void {}
  warn(message: unknown): void {
    this.warnings.push(String(message));
  }
}

async function registryWith(
  providers: Provider[],
  disabledClasses: string[] = [],
): Promise<{ registry: JobClassRegistry; warnings: string[] }> {
  const logger = new CapturingLogger();
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot({
        isGlobal: true,
        ignoreEnvFile: true,
        skipProcessEnv: true,
        load: [
          () => ({
            jobs: { disabledClasses, outputMaxBytes: 65536 },
            sandbox: { ...DEFAULT_SANDBOX_CONFIG, uidRange: { first: 1913000000, last: 1913000999 } },
            embedded: { dataDir: '/nonexistent-data-dir', port: 54329 },
          }),
        ],
      }),
      DiscoveryModule,
      SandboxModule,
      OtherModule,
    ],
    providers: [JobClassRegistry, NotAJobClass, ...providers],
  })
    .setLogger(logger)
    .compile();
  await moduleRef.init();
  return { registry: moduleRef.get(JobClassRegistry), warnings: logger.warnings };
}

describe('JobClassRegistry', () => {
  it('finds every provider marked @JobClass, in any module, sorted by name', async () => {
    const { registry, warnings } = await registryWith([AlphaJob]);
    expect(registry.names()).toEqual(['AlphaJob', 'ZuluJob']);
    expect(registry.list().map((entry) => entry.jobClassString)).toEqual(['AlphaJob', 'ZuluJob']);
    expect(registry.get('AlphaJob')?.handler).toBeInstanceOf(AlphaJob);
    expect(registry.get('AlphaJob')?.meta.requiresPermission).toBe('code_execute');
    expect(registry.get('NotAJobClass')).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('leaves out a class disabled by configuration, with a warning', async () => {
    const { registry, warnings } = await registryWith([AlphaJob], ['AlphaJob', 'NoSuchJob']);
    expect(registry.names()).toEqual(['ZuluJob']);
    expect(registry.get('AlphaJob')).toBeUndefined();
    expect(warnings).toEqual([
      'Job class AlphaJob is disabled by JOB_CLASSES_DISABLED',
      'JOB_CLASSES_DISABLED names NoSuchJob, which is no job class',
    ]);
  });

  it('still knows the permission a disabled class needs', async () => {
    const { registry } = await registryWith([AlphaJob], ['AlphaJob']);
    expect(registry.requiredPermissionOf('AlphaJob')).toBe('code_execute');
    expect(registry.requiredPermissionOf('ZuluJob')).toBeUndefined();
    expect(registry.requiredPermissionOf('NoSuchJob')).toBeUndefined();
  });

  it('leaves out a class whose availability check gives a reason or throws, with a warning', async () => {
    const { registry, warnings } = await registryWith([MissingDependencyJob, BrokenCheckJob]);
    expect(registry.names()).toEqual(['ZuluJob']);
    expect(warnings).toEqual([
      'Job class MissingDependencyJob is left out: optional dependency left-pad is missing',
      'Job class BrokenCheckJob is left out: its availability check failed: cannot stat /opt/tool',
    ]);
  });

  it('says once for classes left out for the same reason', async () => {
    const { registry, warnings } = await registryWith([MissingDependencyJob, AlsoMissingJob]);
    expect(registry.names()).toEqual(['ZuluJob']);
    expect(warnings).toEqual([
      'Job classes MissingDependencyJob and AlsoMissingJob are left out: optional dependency left-pad is missing',
    ]);
  });

  it('refuses to start with two classes of the same name', async () => {
    await expect(registryWith([AlphaJob, SecondAlphaJob])).rejects.toThrow(
      'Job class AlphaJob is declared twice (AlphaJob and SecondAlphaJob)',
    );
  });

  it('refuses to start with a class whose declaration does not hold together', async () => {
    await expect(registryWith([BadDeclarationJob])).rejects.toThrow(
      'Job class BadJob is declared wrongly: its example arguments do not fit: pub_args[0] (count) must be an integer',
    );
  });

  it('checks arguments by the declared types, then by the class', async () => {
    const { registry } = await registryWith([AlphaJob]);
    const alpha = registry.get('AlphaJob')?.meta as JobClassMeta;
    expect(registry.argumentProblem(alpha, [2])).toBeNull();
    expect(registry.argumentProblem(alpha, 'x')).toBe('pub_args must be an array');
    expect(registry.argumentProblem(alpha, [])).toBe('pub_args needs at least 1 value (count)');
    expect(registry.argumentProblem(alpha, [2.5])).toBe('pub_args[0] (count) must be an integer');
    expect(registry.argumentProblem(alpha, [13])).toBe('pub_args[0] (count) must not be 13');
  });

  it('registers the built-in classes', async () => {
    const { registry } = await registryWith([
      SampleJob,
      ShellJob,
      CurlJob,
      ScriptJob,
      PythonScriptRunner,
      { provide: SCRIPT_SOURCE, useClass: NoScriptSource },
    ]);
    expect(registry.names()).toEqual(['CurlJob', 'SampleJob', 'ScriptJob', 'ShellJob', 'ZuluJob']);
    expect(registry.requiredPermissionOf('ShellJob')).toBe('code_execute');
    expect(registry.requiredPermissionOf('ScriptJob')).toBe('code_execute');
    const script = registry.get('ScriptJob')?.meta as JobClassMeta;
    expect(registry.argumentProblem(script, ['nope'])).toBe('pub_args[0] (script_id) must be a UUID');
    expect(registry.argumentProblem(script, ['6f1c2b1e-8f43-4c1a-9a57-3f4f0c5d2e10', [1], { a: 1 }])).toBeNull();
    expect(registry.requiredPermissionOf('SampleJob')).toBeUndefined();
    const sample = registry.get('SampleJob')?.meta as JobClassMeta;
    expect(registry.argumentProblem(sample, ['hi', -1])).toBe('pub_args[1] (sleep_seconds) must be 0 or more');
    const curl = registry.get('CurlJob')?.meta as JobClassMeta;
    expect(registry.argumentProblem(curl, ['ftp://example.com/'])).toBe('pub_args[0] (url) must be an http(s) URL');
  });
});
