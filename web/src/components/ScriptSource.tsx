import { Paper } from '@mantine/core';
import { type ReactNode, useEffect, useState } from 'react';
import type { HighlightNode } from '../highlight-tree';

function render(nodes: HighlightNode[]): ReactNode[] {
  return nodes.map((node, index) =>
    typeof node === 'string' ? (
      node
    ) : (
      <span key={index} className={node.className}>
        {render(node.children)}
      </span>
    ),
  );
}

/**
 * A script's source, read-only, highlighted once highlight.js has loaded (a separate chunk, fetched on
 * first use); until then, and if it cannot load, the plain text. Rendered as React text and spans only.
 */
export function ScriptSource({ source, language }: { source: string; language: 'javascript' | 'python' }) {
  const [highlighted, setHighlighted] = useState<{ source: string; nodes: HighlightNode[] } | null>(null);
  useEffect(() => {
    let current = true;
    void Promise.all([import('../highlight'), import('highlight.js/styles/github.css')])
      .then(([module]) => {
        if (current) setHighlighted({ source, nodes: module.highlight(source, language) });
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [source, language]);
  const nodes = highlighted?.source === source ? highlighted.nodes : null;
  return (
    <Paper withBorder radius="sm" style={{ overflow: 'hidden' }}>
      <pre
        className="hljs"
        aria-label="Source"
        data-highlighted={nodes ? 'yes' : 'no'}
        style={{ margin: 0, padding: '12px 14px', overflowX: 'auto', fontSize: 13, lineHeight: 1.5 }}
      >
        <code>{nodes ? render(nodes) : source}</code>
      </pre>
    </Paper>
  );
}
