/** Sorting of a list by the server: the URL's `sort` is a column, `-column` for descending. */
export type AriaSort = 'ascending' | 'descending' | 'none';

/** How `column` is sorted under `sort` (for `aria-sort` on its header). */
export function ariaSort(sort: string, column: string): AriaSort {
  if (sort === column) return 'ascending';
  if (sort === `-${column}`) return 'descending';
  return 'none';
}

/** The sort after a click on `column`'s header: ascending first, then the other way. */
export function nextSort(sort: string, column: string): string {
  return sort === column ? `-${column}` : column;
}
