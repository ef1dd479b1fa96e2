import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../config/app-config.js';
import { ProcessSandbox } from './process-sandbox.js';
import { SandboxHost } from './sandbox-host.js';

/** The defaults of SANDBOX_MEMORY_MB, SANDBOX_USER, SCRIPT_NETWORK and SCRIPT_MAX_BYTES. */
export const DEFAULT_SANDBOX_CONFIG: AppConfig['sandbox'] = {
  memoryMb: 256,
  user: 'cronwarden-sandbox',
  scriptNetwork: 'host',
  scriptMaxBytes: 262144,
};

/** Configuration for specs: the sandbox and job settings, defaults unless given. */
export function sandboxConfig(
  sandbox: Partial<AppConfig['sandbox']> = {},
  jobs: Partial<AppConfig['jobs']> = {},
): ConfigService<AppConfig, true> {
  return new ConfigService<AppConfig, true>({
    sandbox: { ...DEFAULT_SANDBOX_CONFIG, ...sandbox },
    jobs: { defaultTimeoutSeconds: 3600, disabledClasses: [], resultMaxBytes: 65536, outputMaxBytes: 65536, ...jobs },
  });
}

/** A real ProcessSandbox (real processes) for specs, outside Nest. */
export function sandboxForTests(config = sandboxConfig()): ProcessSandbox {
  return new ProcessSandbox(config, new SandboxHost(config));
}
