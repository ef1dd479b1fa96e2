import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'cronwarden' && pkg.version) return pkg.version;
    } catch {
      // try the next location (src/ under jest, dist/src/ once built)
    }
  }
  return 'unknown';
}

/** The `version` of package.json. */
export const APP_VERSION = readVersion();
