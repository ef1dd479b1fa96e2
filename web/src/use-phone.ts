import { useMediaQuery } from '@mantine/hooks';

/** A phone-sized screen (under Mantine's `sm` breakpoint, 48em): tables give way to compact layouts. */
export function usePhone(): boolean {
  return useMediaQuery('(max-width: 47.99em)') ?? false;
}
