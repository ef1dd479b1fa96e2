import type { Readable } from 'node:stream';
import type { CappedOutput } from './capped-output.js';
import { DRAIN_PAUSE_MS } from './sandbox-limits.js';

/**
 * Reads `stream` to its end into `output`. Past the cap, each chunk is followed by a short pause, so
 * a program flooding its output slows down instead of costing the server's event loop its time.
 * `tap` sees every chunk as it is read (live output), before the cap.
 */
export function drainInto(stream: Readable, output: CappedOutput, tap?: (chunk: Buffer) => void): void {
  stream.on('data', (chunk: Buffer) => {
    output.push(chunk);
    tap?.(chunk);
    if (!output.truncated) return;
    stream.pause();
    setTimeout(() => stream.resume(), DRAIN_PAUSE_MS).unref();
  });
  // A pipe error (the program closed its end oddly) only ends the capture.
  stream.on('error', () => undefined);
}
