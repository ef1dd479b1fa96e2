/**
 * The start of a statement that reads one page of a list with its version: CTE `v` holds `version`
 * and `total` (the count of the whole list, from `countSql`, which selects `count(*) AS total`).
 *
 * The version is an MD5 of the total and of the tags of the page's rows (`tagsSql` selects `tag`), where
 * a row's tag names the row and the version of every row its item is written from (`concat_ws('.',
 * j.id, j.xmin, u.xmin, ...)`), in the order `tagsSql` gives them (another order only makes a version
 * nobody knows). `xmin` is the transaction that wrote that version of a row: any committed change to
 * the row (an update, or a delete and another insert) gives it another. So two pages of a list with the
 * same version hold the same rows, written from the same row versions (their order follows from those
 * rows' values), and the same total: the same bytes. A server that holds the page of a version may send
 * it again without having it written (the rest of the statement does not write the page when
 * `v.version` is the one the server knows). Version and page come from one statement: one snapshot.
 * `v` is MATERIALIZED: inlined, the planner copied the version's subquery into each place reading it,
 * and ran it twice.
 */
export function pageVersionCte(countSql: string, tagsSql: string): string {
  return `WITH t AS (${countSql}),
               v AS MATERIALIZED (SELECT md5(t.total::text || ';' || coalesce((SELECT string_agg(p.tag, ',') FROM (${tagsSql}) p), ''))
                            AS version, t.total
                       FROM t)`;
}

/**
 * A page of a list with its version ({@link pageVersionCte}) and the total of the list: `items` is
 * null when the version was the one the caller said it knows (the page was not written).
 */
export interface VersionedPage<Items> {
  version: string;
  total: number;
  items: Items | null;
}
