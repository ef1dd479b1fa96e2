import { Tooltip } from '@mantine/core';
import { breakBetweenDateAndTime, localTime, utcTime } from '../format';

/**
 * A time in the browser's zone, with its UTC value on hover: on one line, or with `wrap` (narrow table
 * cells) on two at most, the date over the time of day.
 */
export function Time({ iso, wrap = false }: { iso: string | null | undefined; wrap?: boolean }) {
  if (!iso) return <>—</>;
  return (
    <Tooltip label={utcTime(iso)} withArrow>
      <time dateTime={iso} style={wrap ? undefined : { whiteSpace: 'nowrap' }}>
        {wrap ? breakBetweenDateAndTime(localTime(iso)) : localTime(iso)}
      </time>
    </Tooltip>
  );
}
