/** A span of seconds in words: `3 s`, `4 min`, `2 h 5 min`, `3 d`. */
export function span(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) {
    const minutes = Math.floor((s % 3600) / 60);
    return minutes ? `${Math.floor(s / 3600)} h ${minutes} min` : `${Math.floor(s / 3600)} h`;
  }
  return `${Math.floor(s / 86_400)} d`;
}

/** How long ago, e.g. `3 s ago`. */
export function ago(seconds: number): string {
  return `${span(seconds)} ago`;
}

/** How far from `now` a time is, e.g. `in 4 min`, `now`, `2 s ago` (a fire due a moment ago). */
export function fromNow(iso: string, now: number): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  if (Math.abs(seconds) < 1) return 'now';
  return seconds > 0 ? `in ${span(seconds)}` : ago(-seconds);
}

/** The size of a file: `512 B`, `1.5 KiB`, `2.0 MiB`. */
export function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / 1024 / 1024).toFixed(1)} MiB`;
}
