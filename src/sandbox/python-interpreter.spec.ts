import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import {
  detectPython,
  parseProbe,
  pythonFolders,
  pythonHidden,
  type PythonProbe,
  versionProblem,
} from './python-interpreter.js';

const PYENV = '/root/.pyenv/versions/3.11.7';

function probe(overrides: Partial<PythonProbe> = {}): PythonProbe {
  return {
    executable: `${PYENV}/bin/python3.11`,
    version: [3, 11, 7],
    prefixes: [PYENV],
    libdir: `${PYENV}/lib`,
    stdlib: `${PYENV}/lib/python3.11`,
    platstdlib: `${PYENV}/lib/python3.11`,
    site_packages: [`${PYENV}/lib/python3.11/site-packages`],
    libraries: [
      `${PYENV}/bin/python3.11`,
      `${PYENV}/lib/libpython3.11.so.1.0`,
      `${PYENV}/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so`,
      '/usr/lib/x86_64-linux-gnu/libssl.so.3',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/usr/lib/locale/C.utf8/LC_CTYPE',
    ],
    ...overrides,
  };
}

describe('pythonFolders', () => {
  it("shows a pyenv Python's binary folder and lib folder, nothing else of its prefix or of /root", () => {
    expect(pythonFolders(probe())).toEqual([`${PYENV}/bin`, `${PYENV}/lib`]);
  });

  it('adds nothing for a system Python (/usr/bin/python3): every run sees /usr already', () => {
    const system = probe({
      executable: '/usr/bin/python3.11',
      prefixes: ['/usr'],
      libdir: '/usr/lib/x86_64-linux-gnu',
      stdlib: '/usr/lib/python3.11',
      platstdlib: '/usr/lib/python3.11',
      libraries: ['/usr/bin/python3.11', '/usr/lib/x86_64-linux-gnu/libexpat.so.1'],
    });
    expect(pythonFolders(system)).toEqual([]);
  });

  it('shows the folder of a shared library it loads from outside the system folders, and never /', () => {
    const custom = probe({
      executable: '/opt/py/bin/python3',
      prefixes: ['/opt/py'],
      libdir: '/opt/py/lib',
      stdlib: '/opt/py/lib/python3.12',
      platstdlib: '/opt/py/lib/python3.12',
      libraries: ['/opt/ssl/lib64/libssl.so.3', '/opt/py/lib/python3.12/lib-dynload/_ssl.so', '/libodd.so'],
    });
    expect(pythonFolders(custom)).toEqual(['/opt/py/bin', '/opt/py/lib', '/opt/ssl/lib64']);
  });
});

describe('pythonHidden', () => {
  it("hides a pyenv Python's site-packages (only the standard library is promised)", () => {
    expect(pythonHidden(probe())).toEqual([`${PYENV}/lib/python3.11/site-packages`]);
  });

  it("leaves a system Python's dist-packages alone: they lie in /usr, which every run sees as it is", () => {
    const system = probe({
      executable: '/usr/bin/python3.11',
      libdir: '/usr/lib/x86_64-linux-gnu',
      stdlib: '/usr/lib/python3.11',
      platstdlib: '/usr/lib/python3.11',
      site_packages: ['/usr/local/lib/python3.11/dist-packages'],
      libraries: [],
    });
    expect(pythonHidden(system)).toEqual([]);
  });
});

describe('parseProbe and versionProblem', () => {
  it('reads the last line of JSON, and refuses output that is not a description', () => {
    expect(parseProbe(`noise\n${JSON.stringify(probe())}\n`)).toEqual(probe());
    expect(parseProbe('Python 2.7')).toMatch(/something else/);
    expect(parseProbe(JSON.stringify({ executable: '/x' }))).toBe('its description of itself is incomplete');
  });

  it('needs Python 3.8 or newer', () => {
    expect(versionProblem([3, 8, 0])).toBeNull();
    expect(versionProblem([3, 13, 1])).toBeNull();
    expect(versionProblem([3, 7, 9])).toBe('it is Python 3.7.9; Python scripts need 3.8 or newer');
    expect(versionProblem([2, 7, 18])).toMatch(/need 3.8/);
  });
});

describe('detectPython (real processes)', () => {
  it('is off when SCRIPT_PYTHON is off, and says so for a program that is not there', async () => {
    await expect(detectPython('off')).resolves.toEqual({ available: false, reason: 'SCRIPT_PYTHON is off' });
    await expect(detectPython('/nonexistent/python3')).resolves.toEqual({
      available: false,
      reason: '/nonexistent/python3 was not found',
    });
    await expect(detectPython('no-such-python-here')).resolves.toEqual({
      available: false,
      reason: 'no-such-python-here was not found',
    });
  });

  it('refuses a program that is not a Python', async () => {
    const found = await detectPython('/bin/false');
    expect(found).toEqual({
      available: false,
      reason: expect.stringMatching(/^\/bin\/false could not be run/) as unknown,
    });
  });

  it("resolves this machine's python3 (through a pyenv shim, if any) to the real binary and its folders", async () => {
    const found = await detectPython('python3');
    if (!found.available) throw new Error(`This test needs python3 on the PATH: ${found.reason}`);
    const { install } = found;
    expect(install.executable).toBe(realpathSync(install.executable));
    expect(path.basename(install.executable)).toMatch(/^python3(\.\d+)?$/);
    expect(install.version).toMatch(/^3\.\d+\.\d+$/);
    expect(install.folders.every((folder) => existsSync(folder) && folder !== '/')).toBe(true);
    // The binary lies in a shown folder, or in one every run sees already.
    expect(install.hidden.every((folder) => folder.endsWith('-packages'))).toBe(true);
    const binary = path.dirname(install.executable);
    expect(install.folders.includes(binary) || /^\/(usr|bin)(\/|$)/.test(binary)).toBe(true);
  });
});
