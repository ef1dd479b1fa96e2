/** A piece of highlighted source: plain text, or a span with highlight.js's class around more pieces. */
export type HighlightNode = string | { className: string; children: HighlightNode[] };

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'" };
const unescape = (text: string): string => text.replace(/&(amp|lt|gt|quot|#x27);/g, (entity) => ENTITIES[entity]);

/**
 * highlight.js's output (escaped text inside `<span class="hljs-…">` tags, nothing else) turned into
 * a tree that React renders as elements and text: no HTML string ever reaches the DOM. Only that exact
 * span shape is read as markup, with classes limited to highlight.js's names (`hljs-title function_`); anything else stays text.
 */
export function toHighlightTree(html: string): HighlightNode[] {
  const root: HighlightNode[] = [];
  const stack: HighlightNode[][] = [root];
  const top = (): HighlightNode[] => stack[stack.length - 1];
  for (const piece of html.split(/(<span class="[a-z0-9_ -]*">|<\/span>)/)) {
    if (piece === '') continue;
    const open = /^<span class="([a-z0-9_ -]*)">$/.exec(piece);
    if (open) {
      const className = open[1]
        .split(' ')
        .filter((name) => /^hljs-[a-z0-9_-]+$/.test(name) || /^[a-z]+_+$/.test(name))
        .join(' ');
      const node = { className, children: [] as HighlightNode[] };
      top().push(node);
      stack.push(node.children);
    } else if (piece === '</span>' && stack.length > 1) {
      stack.pop();
    } else {
      top().push(unescape(piece));
    }
  }
  return root;
}
