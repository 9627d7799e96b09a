// The PageStore contract: where cache() keeps its pages, with the size accounting done atomically inside the store.

/** A page as the cache stores and replays it: raw bytes and the Content-Type to send them with. */
export interface CachedPage {
  /** The page's bytes, replayed exactly. */
  readonly data: Buffer;
  /** The Content-Type it is replayed with, without parameters (`text/html`). */
  readonly type: string;
}

/** The limits `cache()` passes to every {@link PageStore.save} call. */
export interface PageLimits {
  /** The most bytes of page data the store may hold at once (live pages only). */
  readonly maxSize: number;
  /** The most names the store may remember, live and cleared together. */
  readonly maxNames: number;
}

/**
 * What {@link PageStore.save} did:
 * - `'saved'`: the page is stored under the name;
 * - `'exists'`: the name is taken (a live page, or one cleared since) — nothing changed;
 * - `'full'`: the page does not fit in `maxSize` beside the live pages — nothing changed;
 * - `'too-many-names'`: the store already remembers `maxNames` names — nothing changed.
 */
export type PageSaveResult = 'saved' | 'exists' | 'full' | 'too-many-names';

/**
 * What {@link PageStore.get} found: the page, `'cleared'` for a name whose
 * page was cleared, or `undefined` for a name never saved.
 */
export type PageLookup = CachedPage | 'cleared' | undefined;

/**
 * Where `cache()` keeps pages. Every method is async, so a store may live
 * in another process (Redis, a database).
 *
 * A name, once saved, is never reusable: clearing frees its page's bytes but
 * the store keeps remembering the name (a tombstone) and refuses to save it
 * again. The store does the accounting itself and must make each call
 * atomic: under any number of concurrent calls, the total of live page
 * bytes never exceeds `maxSize` and never goes negative, a name is saved at
 * most once, and a page that was saved stays readable until it is cleared.
 * A store in one Node process gets this by doing each check-and-update
 * without an `await` in between; a shared store needs a transaction or a
 * server-side script.
 *
 * A store keeps copies: changing a Buffer passed to `save` or returned by
 * `get` must not change what is stored.
 */
export interface PageStore {
  /**
   * Required. Saves `page` under `name` if the name was never used, the
   * page fits beside the live pages (`size + page.data.length <= maxSize`)
   * and fewer than `maxNames` names are remembered; all checks and the
   * update happen atomically. Checks the name first, so a taken name is
   * `'exists'` even when the cache is full.
   */
  save(name: string, page: CachedPage, limits: PageLimits): Promise<PageSaveResult>;
  /** Required. The page saved under `name`, `'cleared'`, or `undefined` if the name was never saved. */
  get(name: string): Promise<PageLookup>;
  /** Required. Frees the page saved under `name`; the name stays taken. A name never saved is left alone. */
  clear(name: string): Promise<void>;
  /** Required. Frees every page; all names stay taken. */
  clearAll(): Promise<void>;
  /** Required. The bytes of page data currently held (live pages only). */
  size(): Promise<number>;
  /** Optional. Releases what the store holds (connections, memory). `cache()` never calls it. */
  close?(): Promise<void> | void;
}

/** The methods every {@link PageStore} must have; `cache()` checks them at construction. */
export const REQUIRED_STORE_METHODS = ['save', 'get', 'clear', 'clearAll', 'size'] as const;
