import { execFileSync } from 'node:child_process';
import { SERVER_V8_FLAGS, v8FlagsToSet } from './v8-flags.js';

const ALL = SERVER_V8_FLAGS.map((entry) => entry.flag);

describe('v8FlagsToSet', () => {
  it('sets every flag when the operator gave none', () => {
    expect(v8FlagsToSet([], undefined)).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=25']);
    expect(v8FlagsToSet(['--enable-source-maps'], '--no-warnings')).toEqual(ALL);
  });

  it('leaves the young generation alone when NODE_OPTIONS or the command line sizes it', () => {
    expect(v8FlagsToSet([], '--max-semi-space-size=4')).toEqual(['--heap-growing-percent=25']);
    expect(v8FlagsToSet(['--min_semi_space_size=2'], '')).toEqual(['--heap-growing-percent=25']);
    expect(v8FlagsToSet([], '--inspect  --semi-space-growth-factor=2')).toEqual(['--heap-growing-percent=25']);
  });

  it('keeps the operator’s heap growth step', () => {
    expect(v8FlagsToSet([], '--heap-growing-percent=50 --max-semi-space-size=8')).toEqual([]);
  });
});

/** new space's size (MiB) after allocating ≈ 50 MiB of short-lived objects, with `flags` set at run time. */
function newSpaceAfterAllocating(flags: readonly string[]): number {
  const script = `
    const v8 = require('node:v8');
    const flags = ${JSON.stringify(flags.join(' '))};
    if (flags) v8.setFlagsFromString(flags);
    let keep = 0;
    for (let i = 0; i < 1e6; i++) keep += JSON.stringify({ i, text: 'x' + i }).length;
    const space = v8.getHeapSpaceStatistics().find((entry) => entry.space_name === 'new_space');
    process.stdout.write(String(space.space_size / 1048576 + keep * 0));
  `;
  return Number(execFileSync(process.execPath, ['-e', script], { env: { PATH: process.env.PATH }, encoding: 'utf8' }));
}

describe('the flags take effect when set at run time (this Node)', () => {
  it('keeps new space at its initial size instead of letting it grow to 32 MiB', () => {
    expect(newSpaceAfterAllocating([])).toBeGreaterThan(8);
    expect(newSpaceAfterAllocating(ALL)).toBeLessThanOrEqual(2);
  }, 30_000);
});
