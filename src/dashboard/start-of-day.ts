/** Minutes east of UTC of `zone` at `instant` (e.g. 60 for Europe/Berlin in winter). */
function offsetMinutes(instant: Date, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/**
 * The instant today began in `zone` (its local midnight, or the first instant of the day where a DST
 * change skips midnight), as seen at `now`.
 */
export function startOfDay(now: Date, zone: string): Date {
  const local = new Date(now.getTime() + offsetMinutes(now, zone) * 60_000);
  const midnightAsUtc = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  // The offset at midnight may differ from the one now (a DST change today): settle it in two steps.
  let start = midnightAsUtc - offsetMinutes(new Date(midnightAsUtc), zone) * 60_000;
  start = midnightAsUtc - offsetMinutes(new Date(start), zone) * 60_000;
  return new Date(start);
}
