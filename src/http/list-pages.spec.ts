import type { VersionedPage } from '../database/repositories/page-version.sql.js';
import { ListPages } from './list-pages.js';

/** A list whose page is `content`, versioned by it, as the repositories answer (null items when known). */
function listOf(content: () => string) {
  const asked: Array<string | null> = [];
  const read = (known: string | null): Promise<VersionedPage<string>> => {
    asked.push(known);
    const version = `v:${content()}`;
    return Promise.resolve({ version, total: 1, items: version === known ? null : content() });
  };
  return { read, asked };
}

const write = (items: string): Buffer => Buffer.from(items);

describe('ListPages', () => {
  it('sends the kept body again while the version holds, and writes the page when it changes', async () => {
    let content = 'a';
    const counted: string[] = [];
    const pages = new ListPages('jobs', 1024, (answer) => counted.push(answer));
    const list = listOf(() => content);
    const first = await pages.answer('k', list.read, write);
    const second = await pages.answer('k', list.read, write);
    expect(second).toBe(first);
    content = 'b';
    expect((await pages.answer('k', list.read, write)).toString()).toBe('b');
    expect(list.asked).toEqual([null, 'v:a', 'v:a']);
    expect(counted).toEqual(['written', 'sent_again', 'written']);
  });

  it('keeps bodies per key, up to its bytes, the least recently used going first', async () => {
    const pages = new ListPages('jobs', 10);
    const list = listOf(() => 'abcd');
    await pages.answer('one', list.read, write);
    await pages.answer('two', list.read, write);
    await pages.answer('one', list.read, write); // one is now the most recently used
    await pages.answer('three', list.read, write); // 12 bytes: two goes
    expect(pages.size).toEqual({ pages: 2, bytes: 8 });
    list.asked.length = 0;
    await pages.answer('one', list.read, write);
    await pages.answer('two', list.read, write);
    expect(list.asked).toEqual(['v:abcd', null]);
  });

  it('keeps no body larger than all it may keep', async () => {
    const pages = new ListPages('jobs', 3);
    await pages.answer('k', listOf(() => 'abcd').read, write);
    expect(pages.size).toEqual({ pages: 0, bytes: 0 });
  });

  it('fails rather than send nothing when the page was not written and no body is kept for it', async () => {
    const pages = new ListPages('jobs', 100);
    const unwritten = () => Promise.resolve({ version: 'v', total: 0, items: null });
    await expect(pages.answer('k', unwritten, write)).rejects.toThrow('jobs: the page was not written');
  });
});
