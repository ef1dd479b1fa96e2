import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import chromium from '@sparticuz/chromium';
import { chromium as playwright } from 'playwright-core';
import { connect, insertJobs } from '../support/db.js';
import { startCronwarden } from '../support/processes.js';

export interface UiFigures {
  /** What the browser downloads on the first visit (index.html and the assets it links), gzip. */
  first_load_gzip_kib: { js: number; css: number; html: number; total: number };
  /** Assets loaded only when needed (the script viewer's highlighter), gzip. */
  lazy_gzip_kib: number;
  jobs_owned: number;
  runs: number;
  /** Navigation start → the Jobs table's first page rendered with its "New job" button, fresh browser context each run. */
  jobs_page_interactive_ms: { median: number; min: number; max: number };
}

const ADMIN = { username: 'admin', password: 'bench-Secret-for-root-42' };
const WEB = path.resolve(import.meta.dirname, '..', '..', 'web');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const kib = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;

async function bundleSizes(): Promise<Pick<UiFigures, 'first_load_gzip_kib' | 'lazy_gzip_kib'>> {
  const html = await readFile(path.join(WEB, 'index.html'), 'utf8');
  const linked = new Set([...html.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((match) => match[1]));
  const sizes = { js: 0, css: 0, html: gzipSync(html).length, lazy: 0 };
  for (const file of await readdir(path.join(WEB, 'assets'))) {
    const gzip = gzipSync(await readFile(path.join(WEB, 'assets', file))).length;
    if (!linked.has(file)) sizes.lazy += gzip;
    else if (file.endsWith('.js')) sizes.js += gzip;
    else if (file.endsWith('.css')) sizes.css += gzip;
  }
  return {
    first_load_gzip_kib: {
      js: kib(sizes.js),
      css: kib(sizes.css),
      html: kib(sizes.html),
      total: kib(sizes.js + sizes.css + sizes.html),
    },
    lazy_gzip_kib: kib(sizes.lazy),
  };
}

/**
 * The built server with an admin owning 500 jobs; a real headless Chromium (Debian's or the one in
 * `@sparticuz/chromium`) opens `/jobs` signed in, in a fresh context (empty cache) each run.
 */
export async function uiScenario(runs = 7): Promise<UiFigures> {
  const sizes = await bundleSizes();
  const server = await startCronwarden({ ADMIN_PASSWORD: ADMIN.password, LOG_LEVEL: 'warn' });
  const debian = '/usr/bin/chromium';
  const browser = await playwright.launch({
    executablePath: existsSync(debian) ? debian : await chromium.executablePath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    const { user } = (await login.json()) as { user: { id: string } };
    const client = await connect(server.databaseUrl);
    try {
      await insertJobs(client, { count: 500, ownerId: user.id, second: '0', firstFire: null, paused: true });
    } finally {
      await client.end();
    }
    const timings: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      // Signed in through the API with the context's cookie jar: the page starts as a reload does, by
      // exchanging the refresh cookie for an access token (part of what is measured), without the form.
      const signIn = await context.request.post(`${server.url}/api/v1/auth/login`, { data: ADMIN });
      if (signIn.status() !== 200) throw new Error(`sign-in for the UI run failed: ${signIn.status()}`);
      const page = await context.newPage();
      const started = Date.now();
      await page.goto(`${server.url}/jobs`);
      await page.getByRole('link', { name: 'bench-1', exact: true }).waitFor();
      await page.getByRole('button', { name: 'New job' }).waitFor();
      timings.push(Date.now() - started);
      await context.close();
    }
    return {
      ...sizes,
      jobs_owned: 500,
      runs,
      jobs_page_interactive_ms: { median: median(timings), min: Math.min(...timings), max: Math.max(...timings) },
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}
