// Loaded only by the script viewer, through a dynamic import(): highlight.js stays out of the first load
// (its theme, highlight.js/styles/github.css, is imported beside it by the viewer).
import hljs from 'highlight.js/lib/core';
import javascript from 'highlight.js/lib/languages/javascript';
import python from 'highlight.js/lib/languages/python';
import { type HighlightNode, toHighlightTree } from './highlight-tree';

hljs.registerLanguage('javascript', javascript);
hljs.registerLanguage('python', python);

/** The source as highlighted tokens (text and `hljs-*` classed spans), never as HTML. */
export function highlight(source: string, language: 'javascript' | 'python'): HighlightNode[] {
  return toHighlightTree(hljs.highlight(source, { language, ignoreIllegals: true }).value);
}
