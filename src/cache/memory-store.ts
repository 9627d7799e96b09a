// MemoryPageStore: the default PageStore, pages in this process's memory with exact, atomic accounting.
import type { CachedPage, PageLimits, PageLookup, PageStore, PageSaveResult } from '../types';
import { Waiters } from './waiters';

/**
 * A copy of `data` in memory of its own. `Buffer.from(buffer)` copies a small
 * buffer into a slice of Node's shared 8 KiB pool, and a slice kept for good
 * keeps its whole pool alive: 10,000 saved 1 KiB pages held 50 MiB instead
 * of 10 (see bench/README.md).
 */
function keptCopy(data: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(data.length);
  data.copy(copy);
  return copy;
}

/**
 * Keeps pages in memory, the default store of `cache()`. Every method does
 * its check and update synchronously (no `await` in between), so calls are
 * atomic with respect to each other and the accounting is exact under any
 * number of concurrent requests. It keeps copies of the bytes it is given
 * and hands out copies, so callers cannot change stored pages. Cleared
 * names are remembered (at most `maxNames` names in all, bounded by
 * {@link PageLimits}), so they are never reused. It uses no timers;
 * `close()` drops everything, after which every call rejects.
 */
export class MemoryPageStore implements PageStore {
  /** Live pages by name. */
  #pages = new Map<string, CachedPage>();
  /** Names whose pages were cleared: they stay taken. */
  #cleared = new Set<string>();
  /** Bytes of live page data. */
  #size = 0;
  #closed = false;
  readonly #waiters = new Waiters();

  #assertOpen(): void {
    if (this.#closed) throw new Error('MemoryPageStore is closed.');
  }

  /** Saves a copy of `page` under `name` if the name is free, the page fits and a name is left. */
  async save(name: string, page: CachedPage, limits: PageLimits): Promise<PageSaveResult> {
    this.#assertOpen();
    if (this.#pages.has(name) || this.#cleared.has(name)) return 'exists';
    const bytes = page.data.length;
    if (this.#size + bytes > limits.maxSize) return 'full';
    if (this.#pages.size + this.#cleared.size >= limits.maxNames) return 'too-many-names';
    this.#pages.set(name, {
      data: keptCopy(page.data),
      type: page.type,
      ...(page.savedAt !== undefined ? { savedAt: page.savedAt } : {}),
      ...(page.etag !== undefined ? { etag: page.etag } : {}),
    });
    this.#size += bytes;
    this.#waiters.notify(name);
    return 'saved';
  }

  /** Resolves `true` once a page is saved under `name` (or was), `false` after `timeoutMs` or when `signal` aborts. */
  waitFor(name: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    this.#assertOpen();
    return this.#waiters.wait(
      name,
      timeoutMs,
      signal,
      () => this.#pages.has(name) || this.#cleared.has(name),
    );
  }

  /** A copy of the page saved under `name`, `'cleared'`, or `undefined` if it was never saved. */
  async get(name: string): Promise<PageLookup> {
    this.#assertOpen();
    const page = this.#pages.get(name);
    if (page) return { ...page, data: Buffer.from(page.data) };
    return this.#cleared.has(name) ? 'cleared' : undefined;
  }

  /** Frees the page under `name`, keeping the name taken. */
  async clear(name: string): Promise<void> {
    this.#assertOpen();
    const page = this.#pages.get(name);
    if (!page) return;
    this.#pages.delete(name);
    this.#cleared.add(name);
    this.#size -= page.data.length;
  }

  /** Frees every page, keeping all names taken. */
  async clearAll(): Promise<void> {
    this.#assertOpen();
    for (const name of this.#pages.keys()) this.#cleared.add(name);
    this.#pages.clear();
    this.#size = 0;
  }

  /** Bytes of live page data. */
  async size(): Promise<number> {
    this.#assertOpen();
    return this.#size;
  }

  /** Drops all pages and names; the store cannot be used afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#pages.clear();
    this.#cleared.clear();
    this.#size = 0;
  }
}
