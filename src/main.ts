// The server's entry point: `npm start`, `node dist/src/main.js`, the test and bench servers, containers.
import { applyServerV8Flags } from './v8-flags.js';

// The V8 flags first, then the rest: with static imports every module of the server would be loaded and
// compiled before this line ran, and the young generation would already have grown to the size the
// flags keep it from (docs/operations.md#memory).
const v8Flags = applyServerV8Flags();
const { runServerProcess } = await import('./server-process.js');
void runServerProcess(v8Flags);
