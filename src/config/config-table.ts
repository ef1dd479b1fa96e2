import { ENV_VARS, type EnvVarSpec } from './config.schema.js';

/** The file whose configuration table `npm run docs:config` writes (relative to the repository). */
export const CONFIG_DOC = 'docs/configuration.md';

/**
 * The configuration table of docs/configuration.md, one line per row and no column padding (so a
 * row is as long as its text, not as long as the longest one): generated from the schema by
 * `npm run docs:config` and checked by env-example.spec.ts.
 */
export function configTableLines(): string[] {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = Object.entries(ENV_VARS).map(([name, spec]: [string, EnvVarSpec]) => {
    const shown = spec.default ? `\`${spec.default}\`` : 'unset';
    return `| \`${name}\` | ${cell(shown)} | ${cell(`${spec.accepts}: ${spec.description}`)} |`;
  });
  return ['| Variable | Default | Accepts / meaning |', '| --- | --- | --- |', ...rows];
}

/** Replaces the table (the block of lines starting with "| Variable") in `text`; throws when it has none. */
export function replaceConfigTable(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith('| Variable'));
  if (start < 0) throw new Error(`${CONFIG_DOC} has no configuration table (a line starting with "| Variable")`);
  let end = start;
  while (lines[end]?.startsWith('|')) end += 1;
  lines.splice(start, end - start, ...configTableLines());
  return lines.join('\n');
}
