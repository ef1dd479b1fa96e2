import type { OutputChunk } from './output-tail.js';

/**
 * The output a finished execution kept, from its `result`: a ShellJob's `{returncode, stdout,
 * stderr}`, a failed ScriptJob's `{error, stack, stdout, stderr}`. Nothing for other results.
 */
export function storedOutput(result: string | null): OutputChunk[] {
  if (!result) return [];
  let value: unknown;
  try {
    value = JSON.parse(result);
  } catch {
    return [];
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const { stdout, stderr } = value as { stdout?: unknown; stderr?: unknown };
  const chunks: OutputChunk[] = [];
  if (typeof stdout === 'string' && stdout) chunks.push({ stream: 'stdout', data: stdout });
  if (typeof stderr === 'string' && stderr) chunks.push({ stream: 'stderr', data: stderr });
  return chunks;
}
