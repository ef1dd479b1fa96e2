import { Injectable } from '@nestjs/common';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PYTHON_INSTALL_HINT, PythonInterpreter } from '../sandbox/python-interpreter.js';
import { SANDBOX_PATH } from '../sandbox/sandbox-limits.js';

/** python-check.py, shipped beside this file (the build copies it into dist, see nest-cli.json). */
export const PYTHON_CHECK_FILE = path.join(import.meta.dirname, 'python-check.py');

/** The longest a check may take (a 16 MiB script compiles in well under a second). */
const CHECK_TIMEOUT_MS = 10_000;
const CHECK_OUTPUT_MAX = 64 * 1024;

/** What python-check.py prints. */
export type PythonCheckReport =
  | { problem: null }
  | { problem: 'no-run' }
  | { problem: 'syntax'; message: string; line: number | null; column: number | null };

/** The 400 message for a check's report, or null when the script is fine. */
export function pythonProblemMessage(report: PythonCheckReport): string | null {
  switch (report.problem) {
    case null:
      return null;
    case 'no-run':
      return 'the script defines no top-level function named run (def run(*args): ... or async def run(*args): ...)';
    case 'syntax': {
      const where =
        report.line === null
          ? ''
          : ` (line ${report.line}${report.column === null ? '' : `, column ${report.column}`})`;
      return `the script does not compile as Python${where}: ${report.message}`;
    }
  }
}

/** The check's one line of JSON, or null when it printed something else. */
export function parseCheckReport(stdout: string): PythonCheckReport | null {
  let value: unknown;
  try {
    value = JSON.parse(stdout.trim());
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const report = value as Record<string, unknown>;
  if (report.problem === null || report.problem === 'no-run') return { problem: report.problem };
  const position = (field: unknown): number | null => (typeof field === 'number' ? field : null);
  if (report.problem === 'syntax' && typeof report.message === 'string') {
    return { problem: 'syntax', message: report.message, line: position(report.line), column: position(report.column) };
  }
  return null;
}

/**
 * The upload check of a Python script: the interpreter found at start compiles it (`compile()`, which
 * executes nothing of it) and looks for a top-level `def run` / `async def run`, in a child process with
 * no environment of the server's, a time limit and `-I -S` (no site-packages, no PYTHON* variables).
 */
@Injectable()
export class PythonCheck {
  constructor(private readonly python: PythonInterpreter) {}

  /**
   * Why `source` cannot be a Python script (it does not compile, defines no run, or there is no Python
   * here, which refuses every Python upload), or null.
   */
  async problem(source: string, name: string): Promise<string | null> {
    const found = await this.python.availability();
    if (!found.available) {
      return `Python is not available on this server (${found.reason}): ${PYTHON_INSTALL_HINT}`;
    }
    let stdout: string;
    try {
      stdout = await this.compile(found.install.executable, source, name);
    } catch (error) {
      return `the script could not be checked as Python: ${(error as Error).message}`;
    }
    const report = parseCheckReport(stdout);
    if (!report)
      return `the script could not be checked as Python: the check answered ${JSON.stringify(stdout.slice(0, 200))}`;
    return pythonProblemMessage(report);
  }

  private compile(executable: string, source: string, name: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(executable, ['-I', '-S', '-B', PYTHON_CHECK_FILE, name], {
        env: { PATH: SANDBOX_PATH, LANG: 'C.UTF-8' },
        cwd: '/',
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: CHECK_TIMEOUT_MS,
        killSignal: 'SIGKILL',
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        if (stdout.length < CHECK_OUTPUT_MAX) stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        if (stderr.length < CHECK_OUTPUT_MAX) stderr += chunk;
      });
      child.once('error', reject);
      child.stdin.on('error', () => undefined);
      child.stdin.end(Buffer.from(source, 'utf8'));
      child.once('close', (code, signal) => {
        if (code === 0) resolve(stdout);
        else if (signal === 'SIGKILL')
          reject(new Error(`the Python upload check took longer than ${CHECK_TIMEOUT_MS} ms`));
        else reject(new Error(`the Python upload check failed (${signal ?? `exit code ${code}`}): ${stderr.trim()}`));
      });
    });
  }
}
