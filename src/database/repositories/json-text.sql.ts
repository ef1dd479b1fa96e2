/**
 * SQL that writes JSON text exactly as `JSON.stringify` writes the API's objects, so that a list's
 * page can be built by PostgreSQL and sent as it comes (no row objects, no serialisation in Node)
 * with the same bytes as the object mapping (`toJobResponse`, `toExecutionResponse`) gives:
 * - `row_to_json` writes compact JSON (no spaces), keys in the order selected, `null` for NULL,
 *   integers and booleans as JSON does, and escapes strings as `JSON.stringify` does (`\"`, `\\`,
 *   `\b \f \n \r \t`, other control characters as lowercase `\u00XX`; PostgreSQL text holds no
 *   lone surrogates or NUL, the two cases where the escapers could differ). A json value inside it
 *   (a nested object built the same way) is written verbatim.
 * - timestamps go through {@link isoTextSql}: `Date.prototype.toISOString()` of the `Date` pg makes
 *   of the value (milliseconds, truncated from PostgreSQL's microseconds, as pg's date parser does).
 * - jsonb is the exception: PostgreSQL writes it with spaces and its own number forms (`1.0`), so a
 *   jsonb field stays a column that Node parses and stringifies (see `JobsRepository.listPageJson`).
 * test/list-json.e2e-spec.ts holds both lists to the object mapping byte for byte.
 */

const ISO_REST = `'-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * `expr` (a timestamptz) as `toISOString()` writes it: `2026-12-07T20:13:00.123Z`; outside years
 * 1–9999 with JavaScript's year form (`+010000`, `0000` for 1 BC, `-000001` for 2 BC). NULL stays NULL.
 */
export function isoTextSql(expr: string): string {
  const utc = `(${expr} AT TIME ZONE 'UTC')`;
  // PostgreSQL counts 1 BC as year -1; JavaScript (ISO 8601) as year 0.
  const year = `(CASE WHEN extract(year FROM ${utc}) < 0 THEN extract(year FROM ${utc})::int + 1
                      ELSE extract(year FROM ${utc})::int END)`;
  const jsYear = `(CASE WHEN ${year} BETWEEN 0 AND 9999 THEN lpad(${year}::text, 4, '0')
                        WHEN ${year} < 0 THEN '-' || lpad((-${year})::text, 6, '0')
                        ELSE '+' || lpad(${year}::text, 6, '0') END)`;
  // NULL first: a NULL would otherwise fail both bounds and go through the year's arithmetic.
  return `(CASE WHEN ${expr} IS NULL THEN NULL
                WHEN ${expr} >= '0001-01-01T00:00:00Z' AND ${expr} < '10000-01-01T00:00:00Z'
                THEN to_char(${utc}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
                ELSE ${jsYear} || to_char(${utc}, ${ISO_REST}) END)`;
}

/** One key of a JSON object: its name and the SQL expression of its value. */
export type JsonField = readonly [key: string, sql: string];

/**
 * A JSON object (type json) of `fields`, compact, keys in the given order: a scalar subquery over the
 * current row, so it can reference the columns of the query it stands in (and a nested object built
 * the same way: the inner alias `obj` hides the outer one only inside its own subquery).
 */
export function jsonObjectSql(fields: readonly JsonField[]): string {
  const columns = fields.map(([key, sql]) => `${sql} AS "${key.replaceAll('"', '""')}"`).join(', ');
  return `(SELECT row_to_json(obj) FROM (SELECT ${columns}) obj)`;
}
