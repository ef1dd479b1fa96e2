import v8 from 'node:v8';

/**
 * V8 flags the server sets on itself, first thing in `main.ts` (before anything else is loaded and
 * the heap grows), so that `npm start`, `node dist/src/main.js`, the test and bench servers and any
 * container get them without a wrapper. Each is a flag V8 reads at run time, which is why setting it
 * from JavaScript works (unlike `--max-semi-space-size` or `--max-old-space-size`, fixed when the heap
 * is created: set too late they are silently ignored). Figures in docs/benchmarks.md.
 */
export const SERVER_V8_FLAGS: ReadonlyArray<{ flag: string; overriddenBy: readonly string[] }> = [
  // The young generation stays at its initial 1 MiB semi-spaces instead of growing to 16 MiB each
  // (32 MiB of RSS, resident once scavenged, for 2–10 MiB of live young objects).
  {
    flag: '--semi-space-growth-factor=1',
    overriddenBy: ['--semi-space-growth-factor', '--max-semi-space-size', '--min-semi-space-size'],
  },
  // After each full GC the old generation may grow by 25% of what survived instead of up to 4×: under
  // a burst of requests V8 collects earlier rather than taking (and keeping) hundreds of MiB. Only a
  // growth step, not a ceiling: a large heap still grows, in more steps.
  { flag: '--heap-growing-percent=25', overriddenBy: ['--heap-growing-percent'] },
];

/** The name of a V8 flag (`--max_semi_space_size=2` → `--max-semi-space-size`). */
function flagName(option: string): string {
  return option.split('=')[0].replaceAll('_', '-');
}

/**
 * The flags of {@link SERVER_V8_FLAGS} to set: all but those the operator gave (on the command line
 * or in NODE_OPTIONS), whose choice wins.
 */
export function v8FlagsToSet(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = new Set([...execArgv, ...(nodeOptions ?? '').split(/\s+/)].filter(Boolean).map(flagName));
  return SERVER_V8_FLAGS.filter((entry) => !entry.overriddenBy.some((name) => given.has(name))).map(
    (entry) => entry.flag,
  );
}

/** Sets the server's V8 flags on this process; returns those it set. */
export function applyServerV8Flags(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): string[] {
  const flags = v8FlagsToSet(execArgv, nodeOptions);
  if (flags.length > 0) v8.setFlagsFromString(flags.join(' '));
  return flags;
}
