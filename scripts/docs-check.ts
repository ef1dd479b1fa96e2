// The rules README.md and docs/*.md keep (checked by scripts/docs-check.spec.ts): every relative link
// points to a file of the repository (and to a heading that exists, when it names one), no link
// leaves the repository except to a public https:// site, and no line outside a table or a code
// block is longer than MAX_LINE characters.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const MAX_LINE = 120;

export interface DocProblem {
  file: string;
  line: number;
  message: string;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
export function headingAnchor(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown text's headings (outside code blocks), with GitHub's -1, -2 for repeats. */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | null = null;
  for (const line of text.split('\n')) {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker && (fence === null || fence === marker)) {
      fence = fence === null ? marker : null;
      continue;
    }
    if (fence !== null) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = headingAnchor(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Link targets on one line: inline links and images `[text](target)`, autolinks `<scheme:...>`, definitions `[x]: target`. */
export function linkTargets(line: string): string[] {
  const text = line.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length));
  const found: Array<[number, string]> = [];
  for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) found.push([match.index, match[1]]);
  for (const match of text.matchAll(/<([a-z][a-z0-9+.-]*:[^>\s]+)>/gi)) found.push([match.index, match[1]]);
  const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(text);
  if (definition) found.push([0, definition[1]]);
  return found.sort((a, b) => a[0] - b[0]).map(([, target]) => target);
}

/**
 * The problems of one Markdown file of the repository at `root`: `file` is its path relative to
 * `root`, `text` its content.
 */
export function findDocProblems(root: string, file: string, text: string): DocProblem[] {
  const problems: DocProblem[] = [];
  const folder = path.dirname(path.join(root, file));
  let fence: string | null = null;
  text.split('\n').forEach((line, index) => {
    const at = { file, line: index + 1 };
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker && (fence === null || fence === marker)) {
      fence = fence === null ? marker : null;
      return;
    }
    if (fence !== null) return;
    const isTableRow = line.trimStart().startsWith('|');
    const length = [...line].length;
    if (!isTableRow && length > MAX_LINE) {
      problems.push({ ...at, message: `line of ${length} characters (at most ${MAX_LINE} outside tables and code)` });
    }
    for (const target of linkTargets(line)) {
      const problem = linkProblem(root, folder, file, text, target);
      if (problem) problems.push({ ...at, message: problem });
    }
  });
  return problems;
}

function linkProblem(root: string, folder: string, file: string, text: string, target: string): string | null {
  if (/^https:\/\/[^/\s]+/i.test(target)) return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
    return `link ${target} leaves the repository for a place that is not a public https:// site`;
  }
  const [pathPart, anchor] = splitAnchor(decodeURI(target));
  if (pathPart === '') {
    return anchor === null || headingAnchors(text).has(anchor)
      ? null
      : `link ${target}: ${file} has no heading #${anchor}`;
  }
  if (pathPart.startsWith('/')) return `link ${target} is absolute: use a path relative to ${file}`;
  const resolved = path.resolve(folder, pathPart);
  const inside = path.relative(root, resolved);
  if (inside.startsWith('..') || path.isAbsolute(inside)) return `link ${target} points outside the repository`;
  if (!existsSync(resolved)) return `link ${target}: ${inside} does not exist in the repository`;
  if (anchor !== null && statSync(resolved).isFile() && resolved.endsWith('.md')) {
    if (!headingAnchors(readFileSync(resolved, 'utf8')).has(anchor))
      return `link ${target}: ${inside} has no heading #${anchor}`;
  }
  return null;
}

function splitAnchor(target: string): [string, string | null] {
  const hash = target.indexOf('#');
  return hash < 0 ? [target, null] : [target.slice(0, hash), target.slice(hash + 1)];
}
