import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { findDocProblems, headingAnchor, linkTargets, MAX_LINE } from './docs-check.js';

const root = path.resolve(import.meta.dirname, '..');
const docs = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((name) => name.endsWith('.md'))].map(
  (name) => (name === 'README.md' ? name : `docs/${name}`),
);

describe('README.md and docs/*.md', () => {
  it('include the README and the docs folder', () => {
    expect(docs).toEqual(expect.arrayContaining(['README.md', 'docs/configuration.md', 'docs/ndscheduler.md']));
  });

  it.each(docs)('%s: links stay in the repository (or go to https:// sites) and lines fit', (file) => {
    const problems = findDocProblems(root, file, readFileSync(path.join(root, file), 'utf8'));
    expect(problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`)).toEqual([]);
  });

  it('the README links to every page of docs/', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const linked = new Set(
      readme
        .split('\n')
        .flatMap(linkTargets)
        .map((target) => target.split('#')[0]),
    );
    for (const file of docs.filter((name) => name !== 'README.md')) expect(linked).toContain(file);
  });
});

describe('findDocProblems', () => {
  const check = (text: string, file = 'docs/page.md') =>
    findDocProblems(root, file, text).map((problem) => `${problem.line}: ${problem.message}`);

  it('refuses a relative link to a file that does not exist', () => {
    expect(check('See [the guide](guide-that-is-not-there.md).')).toEqual([
      '1: link guide-that-is-not-there.md: docs/guide-that-is-not-there.md does not exist in the repository',
    ]);
  });

  it('accepts relative links to files and folders of the repository', () => {
    expect(check('[config](configuration.md), [readme](../README.md), [src](../src/main.ts), [web](../web)')).toEqual(
      [],
    );
  });

  it('refuses links to ../shared and anywhere outside the repository', () => {
    expect(check('The contract is [API.md](../shared/API.md).', 'README.md')).toEqual([
      '1: link ../shared/API.md points outside the repository',
    ]);
    expect(check('[up](../../elsewhere.md)')).toEqual(['1: link ../../elsewhere.md points outside the repository']);
    expect(check('[abs](/etc/passwd)')).toEqual([
      '1: link /etc/passwd is absolute: use a path relative to docs/page.md',
    ]);
  });

  it('lets links to public https:// sites through, and nothing else that leaves the repository', () => {
    expect(check('[cron](https://man7.org/linux/man-pages/man5/crontab.5.html) <https://example.org/x>')).toEqual([]);
    expect(check('<http://127.0.0.1:8888/docs> and [f](file:///etc/hosts)')).toEqual([
      '1: link http://127.0.0.1:8888/docs leaves the repository for a place that is not a public https:// site',
      '1: link file:///etc/hosts leaves the repository for a place that is not a public https:// site',
    ]);
  });

  it('checks that a linked heading exists', () => {
    expect(check('# Top\n\n## Where data lives\n\n[here](#where-data-lives) [there](#nowhere)')).toEqual([
      '5: link #nowhere: docs/page.md has no heading #nowhere',
    ]);
    expect(check('[cfg](configuration.md#no-such-heading)')).toEqual([
      '1: link configuration.md#no-such-heading: docs/configuration.md has no heading #no-such-heading',
    ]);
  });

  it(`refuses a line over ${MAX_LINE} characters outside tables and code blocks`, () => {
    const long = 'word '.repeat(30).trim();
    expect(check(`${long}\n| ${long} | table |\n\`\`\`\n${long}\n\`\`\`\n`)).toEqual([
      `1: line of ${long.length} characters (at most ${MAX_LINE} outside tables and code)`,
    ]);
  });

  it('ignores links written as code', () => {
    expect(check('Write `[x](missing.md)` to link.\n```\n[x](missing.md)\n```')).toEqual([]);
  });
});

describe('headingAnchor', () => {
  it.each([
    ['Where data lives', 'where-data-lives'],
    ['The `day_of_week` difference', 'the-day_of_week-difference'],
    ['Login throttling and client addresses', 'login-throttling-and-client-addresses'],
    ['Backups, upgrades & the CLI', 'backups-upgrades--the-cli'],
  ])('%p → %p', (heading, anchor) => {
    expect(headingAnchor(heading)).toBe(anchor);
  });
});
