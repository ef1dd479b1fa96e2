import type { VersionedPage } from '../database/repositories/page-version.sql.js';
import { LIST_BUILDS } from './json-list.js';

/** How many bytes of list bodies each list service keeps: some pages of 500 items. */
export const LIST_PAGES_BYTES = 4 * 1024 * 1024;

/** A body kept with the version of the page it was written from. */
interface KeptPage {
  version: string;
  body: Buffer;
}

/**
 * The last list bodies a service sent (`GET /jobs`, `GET /executions`), with their page versions, up
 * to `maxBytes` in all, the least recently used going first. Each request still asks PostgreSQL for the
 * page's version, with the filters and scope of that request; only when it is the version kept is the
 * kept body sent again instead of having the page written (`pageVersionCte`). So an answer is never
 * older than its request, and the key only says which kept body to offer: two requests with the same
 * key and different rows get different versions.
 */
export class ListPages {
  private readonly kept = new Map<string, KeptPage>();
  private bytes = 0;

  constructor(
    private readonly list: string,
    private readonly maxBytes: number,
    /** Told how each answer was made. */
    private readonly counted: (answer: 'written' | 'sent_again') => void = () => undefined,
  ) {}

  /**
   * The body of the list: `read` asks for the page, telling the version of the body kept under `key`
   * (null for none); `write` writes the body of a page that came back written. At most
   * {@link LIST_BUILDS} at a time.
   */
  answer<Items>(
    key: string,
    read: (known: string | null) => Promise<VersionedPage<Items>>,
    write: (items: Items, total: number) => Buffer,
  ): Promise<Buffer> {
    return LIST_BUILDS.run(async () => {
      const kept = this.take(key);
      const page = await read(kept?.version ?? null);
      if (page.items === null && kept && page.version === kept.version) {
        this.counted('sent_again');
        return kept.body;
      }
      if (page.items === null) throw new Error(`${this.list}: the page was not written, and no body is kept for it`);
      const body = write(page.items, page.total);
      this.keep(key, { version: page.version, body });
      this.counted('written');
      return body;
    });
  }

  /** The kept body under `key`, now the most recently used. */
  private take(key: string): KeptPage | undefined {
    const kept = this.kept.get(key);
    if (kept) {
      this.kept.delete(key);
      this.kept.set(key, kept);
    }
    return kept;
  }

  private keep(key: string, page: KeptPage): void {
    const before = this.kept.get(key);
    if (before) {
      this.kept.delete(key);
      this.bytes -= before.body.length;
    }
    if (page.body.length > this.maxBytes) return;
    this.kept.set(key, page);
    this.bytes += page.body.length;
    for (const [oldest, old] of this.kept) {
      if (this.bytes <= this.maxBytes) break;
      this.kept.delete(oldest);
      this.bytes -= old.body.length;
    }
  }

  /** How many bodies and bytes are kept (for tests and metrics). */
  get size(): { pages: number; bytes: number } {
    return { pages: this.kept.size, bytes: this.bytes };
  }
}
