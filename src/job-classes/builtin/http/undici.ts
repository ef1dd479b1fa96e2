import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);
let loaded: typeof Undici | undefined;

/**
 * undici, loaded on first use: CurlJob and the webhook sender are its only users, and loading it
 * costs about 4 MiB of V8 heap (and more RSS) that a server running neither never needs
 * (docs/benchmarks.md). A synchronous `require` of the same package an `import` would load.
 */
export function undici(): typeof Undici {
  loaded ??= require('undici') as typeof Undici;
  return loaded;
}
