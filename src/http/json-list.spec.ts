import { jsonListBody } from './json-list.js';

describe('jsonListBody', () => {
  it('writes the bytes JSON.stringify writes of the list, multi-byte characters included', () => {
    const items = [{ a: 'é 🚀 \u2028 "q"' }, { b: [1, null, true] }, {}].map((item) => JSON.stringify(item));
    const body = jsonListBody('jobs', [items[0], ',', `${items[1]},${items[2]}`], 42);
    expect(
      body.equals(Buffer.from(JSON.stringify({ jobs: items.map((item) => JSON.parse(item) as unknown), total: 42 }))),
    ).toBe(true);
    expect(body.toString()).toBe(`{"jobs":[${items.join(',')}],"total":42}`);
  });

  it('writes an empty page', () => {
    expect(jsonListBody('executions', [], 0).toString()).toBe('{"executions":[],"total":0}');
  });
});
