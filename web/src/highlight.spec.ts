import { highlight } from './highlight';
import { type HighlightNode, toHighlightTree } from './highlight-tree';

/** The text a tree shows, as the browser would render it. */
const textOf = (nodes: HighlightNode[]): string =>
  nodes.map((node) => (typeof node === 'string' ? node : textOf(node.children))).join('');

describe('toHighlightTree', () => {
  it('reads spans as nodes and unescapes the text between them', () => {
    expect(toHighlightTree('<span class="hljs-keyword">if</span> (a &lt; b &amp;&amp; c) x')).toEqual([
      { className: 'hljs-keyword', children: ['if'] },
      ' (a < b && c) x',
    ]);
  });

  it('nests spans', () => {
    expect(
      toHighlightTree('<span class="hljs-string">&quot;a<span class="hljs-subst">${b}</span>&quot;</span>'),
    ).toEqual([{ className: 'hljs-string', children: ['"a', { className: 'hljs-subst', children: ['${b}'] }, '"'] }]);
  });

  it('keeps any other markup as text', () => {
    expect(toHighlightTree('<img src=x onerror=alert(1)><span class="x" onclick="y">z</span>')).toEqual([
      '<img src=x onerror=alert(1)><span class="x" onclick="y">z',
      '</span>',
    ]);
  });
});

describe('highlight', () => {
  it('highlights JavaScript and gives back exactly the source as text', () => {
    const source = 'export async function run(who) {\n  return { hello: `<b>${who}</b>` };\n}\n';
    const tree = highlight(source, 'javascript');
    expect(textOf(tree)).toBe(source);
    expect(tree).toContainEqual({ className: 'hljs-keyword', children: ['export'] });
  });

  it('shows a script that closes a script tag literally', () => {
    const source = "// </script><img src=x onerror=alert(1)>\nexport function run() { return '</script>'; }\n";
    const tree = highlight(source, 'javascript');
    expect(textOf(tree)).toBe(source);
    const classes = (nodes: HighlightNode[]): string[] =>
      nodes.flatMap((node) => (typeof node === 'string' ? [] : [node.className, ...classes(node.children)]));
    expect(classes(tree).every((name) => /^hljs-/.test(name))).toBe(true);
  });

  it('highlights Python', () => {
    const source = 'def run(*args):\n    return {"n": len(args)}\n';
    const tree = highlight(source, 'python');
    expect(textOf(tree)).toBe(source);
    expect(tree).toContainEqual({ className: 'hljs-keyword', children: ['def'] });
  });
});
