// The web UI's API types are generated from the server's own OpenAPI document: this test fails when
// the committed file is stale, so the UI and the API cannot drift. `npm run api:types` rewrites it.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import openapiTS, { type OpenAPI3 } from 'openapi-typescript';
import { createTestApp, type TestApp } from './support/test-app.js';

const TYPES_FILE = path.resolve(import.meta.dirname, '..', 'web', 'src', 'api', 'schema.ts');
const HEADER = "// Generated from the server's OpenAPI document by `npm run api:types`: do not edit.\n";

describe("the web UI's API types", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('are generated from the current OpenAPI document', async () => {
    const res = await t.http().get('/docs-json').expect(200);
    const generated = HEADER + (await openapiTS(res.body as OpenAPI3, { exportType: true }));
    if (process.env.UPDATE_API_TYPES === '1') writeFileSync(TYPES_FILE, generated);
    expect(readFileSync(TYPES_FILE, 'utf8')).toBe(generated);
  });
});
