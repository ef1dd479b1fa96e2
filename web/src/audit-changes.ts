/** One change of a `modified` audit entry: the field, its value before and after (as the server wrote them). */
export interface FieldChange {
  field: string;
  from: string;
  to: string;
}

/**
 * Where the value that starts at `start` ends: a JSON string, array or object (brackets balanced,
 * strings skipped), or a bare word (number, true/false/null, a uuid). -1 when there is none.
 */
function valueEnd(text: string, start: number): number {
  const first = text[start];
  if (first === '"' || first === '[' || first === '{') {
    let depth = 0;
    let i = start;
    while (i < text.length) {
      const char = text[i];
      if (char === '"') {
        i += 1;
        while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
        if (i >= text.length) return -1;
        if (depth === 0) return i + 1;
      } else if (char === '[' || char === '{') depth += 1;
      else if (char === ']' || char === '}') {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
      i += 1;
    }
    return -1;
  }
  const word = /^[\w.+:-]+/.exec(text.slice(start));
  return word ? start + word[0].length : -1;
}

/**
 * The change list of a `modified` job entry, which the server writes as
 * `field: <old JSON> → <new JSON>; field: ...` (e.g. `hour: "*" → "3"; paused: false → true`).
 * Null when the text is not such a list, so the caller shows it as it is.
 */
export function parseChanges(description: string): FieldChange[] | null {
  const changes: FieldChange[] = [];
  let i = 0;
  while (i < description.length) {
    const field = /^([a-z_][a-z0-9_]*): /.exec(description.slice(i));
    if (!field) return null;
    i += field[0].length;
    const fromEnd = valueEnd(description, i);
    if (fromEnd < 0 || !description.startsWith(' → ', fromEnd)) return null;
    const from = description.slice(i, fromEnd);
    i = fromEnd + 3;
    const toEnd = valueEnd(description, i);
    if (toEnd < 0) return null;
    changes.push({ field: field[1], from, to: description.slice(i, toEnd) });
    i = toEnd;
    if (i === description.length) break;
    if (!description.startsWith('; ', i)) return null;
    i += 2;
  }
  return changes.length > 0 ? changes : null;
}
