import { scriptProblem } from './script-check.js';

describe('scriptProblem', () => {
  it.each([
    'export function run() { return 1 }',
    'export async function run(a, b) { return a + b }',
    'export const run = (x) => x * 2;',
    'const go = () => 1; export { go as run };',
    'function run() {}\nexport { run };',
    "import { randomUUID } from 'node:crypto';\nexport function run() { return randomUUID() }",
  ])('accepts %p', (source) => expect(scriptProblem(source)).toBeNull());

  it('refuses a module that does not parse, saying where', () => {
    expect(scriptProblem('export function run( {')).toMatch(
      /^the script does not parse as a JavaScript module: .*\(1:/,
    );
  });

  it.each([
    'export function start() {}',
    'function run() {}',
    'export default function run() {}',
    'module.exports.run = () => 1',
  ])('refuses %p, which exports no run', (source) =>
    expect(scriptProblem(source)).toBe(
      'the script exports no function named run (export function run(...args) { ... })',
    ),
  );
});
