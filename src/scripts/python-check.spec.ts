import { sandboxConfig } from '../sandbox/sandbox.testing.js';
import { PythonInterpreter } from '../sandbox/python-interpreter.js';
import { parseCheckReport, PythonCheck, pythonProblemMessage } from './python-check.js';

describe('the Python upload check', () => {
  it('words each problem, naming the line', () => {
    expect(pythonProblemMessage({ problem: null })).toBeNull();
    expect(pythonProblemMessage({ problem: 'no-run' })).toMatch(/defines no top-level function named run/);
    expect(
      pythonProblemMessage({ problem: 'syntax', message: 'SyntaxError: invalid syntax', line: 3, column: 8 }),
    ).toBe('the script does not compile as Python (line 3, column 8): SyntaxError: invalid syntax');
    expect(parseCheckReport('{"problem": "syntax", "message": "x", "line": null}')).toEqual({
      problem: 'syntax',
      message: 'x',
      line: null,
      column: null,
    });
    expect(parseCheckReport('{"problem": "other"}')).toBeNull();
    expect(parseCheckReport('Traceback')).toBeNull();
  });

  describe('with the real python3', () => {
    const check = new PythonCheck(new PythonInterpreter(sandboxConfig()));

    it('accepts def run and async def run', async () => {
      await expect(check.problem('def run(a, b):\n    return a + b\n', 'a.py')).resolves.toBeNull();
      await expect(check.problem('import asyncio\nasync def run():\n    return 1\n', 'b.py')).resolves.toBeNull();
    });

    it('refuses a syntax error naming its line, and compile-time errors too', async () => {
      await expect(check.problem('x = 1\n\ndef run(:\n    pass\n', 'c.py')).resolves.toMatch(
        /^the script does not compile as Python \(line 3, column \d+\): SyntaxError/,
      );
      await expect(check.problem('def run():\n    pass\nreturn 5\n', 'd.py')).resolves.toMatch(
        /\(line 3, column 1\): SyntaxError: 'return' outside function/,
      );
      await expect(check.problem('def run():\n  if True:\n pass\n', 'e.py')).resolves.toMatch(/IndentationError/);
    });

    it('refuses a module without a top-level def run (a nested one, a variable, a class method)', async () => {
      for (const source of [
        'def other():\n    def run():\n        pass\n',
        'run = lambda: 1\n',
        'class A:\n    def run(self):\n        pass\n',
      ]) {
        await expect(check.problem(source, 'f.py')).resolves.toMatch(/defines no top-level function named run/);
      }
    });

    it('executes nothing of the script while checking it', async () => {
      const source =
        'import os\nos.system("touch /tmp/cronwarden-python-check-ran")\nraise SystemExit(3)\ndef run():\n    pass\n';
      await expect(check.problem(source, 'g.py')).resolves.toBeNull();
      const { existsSync } = await import('node:fs');
      expect(existsSync('/tmp/cronwarden-python-check-ran')).toBe(false);
    });
  });

  it('refuses every Python script when there is no Python, saying so and what to install', async () => {
    const check = new PythonCheck(new PythonInterpreter(sandboxConfig({ python: 'off' })));
    await expect(check.problem('def run():\n    pass\n', 'a.py')).resolves.toMatch(
      /^Python is not available on this server \(SCRIPT_PYTHON is off\): install python3/,
    );
  });
});
