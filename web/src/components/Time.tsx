import { Tooltip } from '@mantine/core';
import { localTime, utcTime } from '../format';

/** A time in the browser's zone, with its UTC value on hover. */
export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <>—</>;
  return (
    <Tooltip label={utcTime(iso)} withArrow>
      <time dateTime={iso} style={{ whiteSpace: 'nowrap' }}>
        {localTime(iso)}
      </time>
    </Tooltip>
  );
}
