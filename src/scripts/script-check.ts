import { createRequire } from 'node:module';
import type * as Acorn from 'acorn';
import type { Node } from 'acorn';

const require = createRequire(import.meta.url);
let acorn: typeof Acorn | undefined;

/** Script names: a file name ending in .js or .mjs (JavaScript) or .py (Python). */
export const SCRIPT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,195}\.(m?js|py)$/;

interface NamedNode extends Node {
  name?: string;
  value?: unknown;
}
interface ExportNode extends Node {
  declaration?: (Node & { id?: NamedNode | null; declarations?: Array<Node & { id: NamedNode }> }) | null;
  specifiers?: Array<Node & { exported: NamedNode }>;
}

const nameOf = (node: NamedNode): string | undefined =>
  node.type === 'Identifier' ? node.name : typeof node.value === 'string' ? node.value : undefined;

/**
 * Why `source` cannot be a script, or null: it must parse as an ES module (acorn, latest syntax)
 * and export `run` — `export function run`, `export async function run`, `export const run = ...`
 * or `export { something as run }`. Nothing is executed.
 */
export function scriptProblem(source: string): string | null {
  let program: Node & { body: Node[] };
  try {
    // Loaded on the first upload: 0.7 MiB of heap a server that is never sent a script does without.
    acorn ??= require('acorn') as typeof Acorn;
    program = acorn.parse(source, { ecmaVersion: 'latest', sourceType: 'module' });
  } catch (error) {
    return `the script does not parse as a JavaScript module: ${(error as Error).message}`;
  }
  const exportsRun = program.body.some((statement) => {
    if (statement.type !== 'ExportNamedDeclaration') return false;
    const exported = statement as ExportNode;
    const declaration = exported.declaration;
    if (declaration?.type === 'FunctionDeclaration') return declaration.id?.name === 'run';
    if (declaration?.type === 'VariableDeclaration') {
      return (declaration.declarations ?? []).some((item) => item.id.type === 'Identifier' && item.id.name === 'run');
    }
    return (exported.specifiers ?? []).some((specifier) => nameOf(specifier.exported) === 'run');
  });
  return exportsRun ? null : 'the script exports no function named run (export function run(...args) { ... })';
}
