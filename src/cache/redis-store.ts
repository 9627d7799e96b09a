// RedisPageStore: cache() pages in Redis, shared by every process, with the accounting done inside Redis.
import { randomUUID } from 'node:crypto';
import {
  RedisScript,
  replyArray,
  replyInteger,
  replyString,
  refusedByRedis,
  type RedisStoreOptions,
  type SendCommand,
} from '../redis';
import { RedisStore } from '../redis/store';
import { StreamFeed } from '../redis/feed';
import { Waiters } from './waiters';
import { PAGE_ETAG } from './etag';
import { pageType } from './decode';
import type { CachedPage, PageLimits, PageLookup, PageSaveResult, PageStore } from '../types';

/**
 * reserve: room for a page, before it is saved: its bytes and one name
 * more, counted only when they fit, so however many processes save at once
 * the totals never pass the limits; the save is pending until it ends.
 * KEYS: totals hash, pending set. ARGV: bytes, maxSize, maxNames, the
 * save's id, now.
 */
const RESERVE = new RedisScript(`
local totals = redis.call('HMGET', KEYS[1], 'bytes', 'names')
local size, names = tonumber(totals[1] or '0'), tonumber(totals[2] or '0')
-- Checked before any write: a script that fails halfway is not undone.
if not size or not names or size < 0 or names < 0 then return redis.error_reply('page totals are not counts') end
if size + tonumber(ARGV[1]) > tonumber(ARGV[2]) then return 'full' end
if names >= tonumber(ARGV[3]) then return 'too-many-names' end
redis.call('HINCRBY', KEYS[1], 'bytes', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'names', 1)
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
return 'ok'
`);

/**
 * save: the page under its name, unless the name was ever saved (it stays
 * taken). KEYS: page key, name key (one slot: the name's). ARGV: data
 * (base64), type, bytes, savedAt or '', ETag or ''.
 */
const SAVE = new RedisScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return 'exists' end
redis.call('SET', KEYS[2], '1')
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'type', ARGV[2], 'bytes', ARGV[3])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'savedAt', ARGV[4]) end
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'etag', ARGV[5]) end
return 'saved'
`);

/**
 * release: gives back what a page held (or a reservation that was not
 * used) and takes its name off the live pages. KEYS: totals hash,
 * live-names set, pending set. ARGV: name, bytes, names ('1' for a
 * reservation's name), the save's id ('' for a page cleared).
 */
const RELEASE = new RedisScript(`
if tonumber(ARGV[2]) > 0 and redis.call('HINCRBY', KEYS[1], 'bytes', -tonumber(ARGV[2])) < 0 then
  redis.call('HSET', KEYS[1], 'bytes', 0)
end
if ARGV[3] == '1' then redis.call('HINCRBY', KEYS[1], 'names', -1) end
if ARGV[1] ~= '' then redis.call('SREM', KEYS[2], ARGV[1]) end
if ARGV[4] ~= '' then redis.call('ZREM', KEYS[3], ARGV[4]) end
return 1
`);

/**
 * saved: a page is live (for clearAll), its save no longer pending, and its
 * name told to every process (the saves stream, its last thousand kept).
 * KEYS: live-names set, saves stream, pending set. ARGV: name, the save's id.
 */
const SAVED = new RedisScript(`
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', 1000, '*', 'name', ARGV[1])
return 1
`);

/**
 * settle: once no page is left and no save is under way, the bytes held
 * are 0 again: a reservation a fault kept from being given back is not held
 * for good. A save pending for a minute is taken as one that died. KEYS:
 * totals hash, live-names set, pending set. ARGV: a minute ago.
 */
const SETTLE = new RedisScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])
if redis.call('SCARD', KEYS[2]) == 0 and redis.call('ZCARD', KEYS[3]) == 0 then
  redis.call('HSET', KEYS[1], 'bytes', 0)
end
return 1
`);

/** get: the page, 'cleared' for a name whose page went, or nil. KEYS: page key, name key. */
const GET = new RedisScript(`
local page = redis.call('HMGET', KEYS[1], 'data', 'type', 'savedAt', 'etag')
if page[1] then return { page[1], page[2], page[3] or '', page[4] or '' } end
if redis.call('EXISTS', KEYS[2]) == 1 then return 'cleared' end
return false
`);

/** clear: the page gone, once; gives its bytes (0 when it was not there). The name stays. KEYS: page key. */
const CLEAR = new RedisScript(`
local bytes = redis.call('HGET', KEYS[1], 'bytes')
if not bytes then return 0 end
redis.call('DEL', KEYS[1])
return tonumber(bytes) or 0
`);

/** A page from the `data` (base64) and `type` fields; anything else is not a page this store saved. */
function toPage([data, type, savedAt, etag]: (string | undefined)[]): CachedPage {
  if (
    data === undefined ||
    type === undefined ||
    !/^[A-Za-z0-9+/]*={0,2}$/.test(data) ||
    // The type goes into a header: only what this store saves (a known media type).
    pageType(type) !== type ||
    (savedAt !== undefined && savedAt !== '' && !/^\d{1,15}$/.test(savedAt)) ||
    // The ETag goes into a header: only one this store made.
    (etag !== undefined && etag !== '' && !PAGE_ETAG.test(etag))
  ) {
    throw new TypeError('not a page this store saved');
  }
  return {
    data: Buffer.from(data, 'base64'),
    type,
    ...(savedAt ? { savedAt: Number(savedAt) } : {}),
    ...(etag ? { etag } : {}),
  };
}

/** Options for {@link RedisPageStore}. */
export interface RedisPageStoreOptions extends RedisStoreOptions {
  /**
   * Sends commands on a connection of their own, for the blocking `XREAD`
   * of requests waiting for a page (`?wait=`). Without it, waiting requests
   * are told of a save within 100 ms (polling). Defaults to none.
   */
  blockingCommand?: SendCommand;
}

/**
 * Pages in Redis, shared by every process with the same Redis and prefix:
 * each page a hash (its bytes as base64, so they come back byte for byte
 * through any client, its type, its size) and a mark that its name was
 * saved (names stay taken for every process), both in the name's hash
 * slot, so pages spread over a cluster's masters. The bytes held and the
 * names taken are two counters in a slot of their own: `save` reserves its
 * bytes and name there first and gives them back if the name turns out to
 * be taken, so the totals never pass `maxSize` and `maxNames`, whichever
 * process saves. A value under its keys that this store did not write is
 * a 503.
 */
export class RedisPageStore extends RedisStore implements PageStore {
  readonly #waiters = new Waiters();
  /** The names saved by every process, read while a request waits for one. */
  readonly #saves: StreamFeed;

  constructor(options: RedisPageStoreOptions) {
    super('RedisPageStore', 'page store', options);
    this.#saves = new StreamFeed({
      send: this.send,
      blocking: options.blockingCommand,
      store: 'page store',
      key: this.key('pageSaves'),
      active: () => this.#waiters.size > 0,
      onEntry: (_id, fields) => this.#waiters.notify(fields[fields.indexOf('name') + 1] ?? ''),
    });
  }

  #page(name: string): string[] {
    return [this.tagged('page', name), this.tagged('pageName', name)];
  }

  get #totals(): string {
    return this.key('pageTotals');
  }

  get #live(): string {
    return this.key('pageLive');
  }

  get #pending(): string {
    return this.key('pagePending');
  }

  async save(name: string, page: CachedPage, limits: PageLimits): Promise<PageSaveResult> {
    const keys = this.#page(name);
    const bytes = page.data.length;
    // A name taken is said as such, not as a store too full to take it.
    if (this.parse(await this.command(['EXISTS', keys[1]!]), replyInteger) === 1) return 'exists';
    const id = randomUUID();
    const room = await this.run(
      RESERVE,
      [this.#totals, this.#pending],
      [bytes, limits.maxSize, limits.maxNames, id, Date.now()],
    );
    const reserved = this.parse(room, (value) => {
      const result = replyString(value);
      if (result !== 'ok' && result !== 'full' && result !== 'too-many-names') {
        throw new TypeError(`unexpected result ${String(result)}`);
      }
      return result;
    });
    if (reserved !== 'ok') return reserved;
    const release = () =>
      this.run(RELEASE, [this.#totals, this.#live, this.#pending], ['', bytes, '1', id]);
    let reply: unknown;
    try {
      reply = await this.run(SAVE, keys, [
        page.data.toString('base64'),
        page.type,
        bytes,
        page.savedAt ?? '',
        page.etag ?? '',
      ]);
    } catch (err) {
      // Redis refused it (it did not save): the reservation goes back. A
      // save whose outcome is unknown (Redis went away) keeps it: the
      // totals may count too much, never too little.
      if (refusedByRedis(err)) await release().catch(() => undefined);
      throw err;
    }
    const result = this.parse(reply, (value) => {
      const saved = replyString(value);
      if (saved !== 'saved' && saved !== 'exists') {
        throw new TypeError(`unexpected result ${String(saved)}`);
      }
      return saved;
    });
    if (result === 'saved') {
      await this.run(SAVED, [this.#live, this.key('pageSaves'), this.#pending], [name, id]);
    } else {
      // Taken since the look above: the reservation goes back.
      await release();
    }
    return result;
  }

  async get(name: string): Promise<PageLookup> {
    const keys = this.#page(name);
    // A page that is there is one plain HMGET; only a miss asks the script,
    // which tells a cleared name from one never saved in one atomic look.
    const hit = await this.command(['HMGET', keys[0]!, 'data', 'type', 'savedAt', 'etag']);
    const page = this.parse(hit, (value) => replyArray(value).map(replyString));
    if (page[0] !== undefined) return this.parse(page, () => toPage(page));
    const reply = await this.run(GET, keys, []);
    return this.parse(reply, (value): PageLookup => {
      if (value === null || value === undefined) return undefined;
      if (!Array.isArray(value)) {
        if (replyString(value) === 'cleared') return 'cleared';
        throw new TypeError('unexpected reply');
      }
      return toPage(replyArray(value).map(replyString));
    });
  }

  async clear(name: string): Promise<void> {
    const bytes = this.parse(await this.run(CLEAR, [this.#page(name)[0]!], []), replyInteger);
    await this.run(RELEASE, [this.#totals, this.#live, this.#pending], [name, bytes, '0', '']);
  }

  async clearAll(): Promise<void> {
    const reply = await this.command(['SMEMBERS', this.#live]);
    const names = this.parse(reply, (value) => replyArray(value).map((n) => replyString(n) ?? ''));
    await Promise.all(names.map((name) => this.clear(name)));
    await this.run(SETTLE, [this.#totals, this.#live, this.#pending], [Date.now() - 60_000]);
  }

  /** Resolves `true` once `name` is saved by any process (or was), `false` after `timeoutMs` or on `signal`. */
  async waitFor(name: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    return this.#waiters.wait(name, timeoutMs, signal, async () => {
      // From now on a save is read: one before that is seen by the look below.
      this.#saves.start();
      await this.#saves.listening();
      const taken = await this.command(['EXISTS', this.#page(name)[1]!]);
      return this.parse(taken, replyInteger) === 1;
    });
  }

  /** Stops reading the saves (the connections are the caller's). */
  close(): void {
    this.#saves.close();
  }

  async size(): Promise<number> {
    const reply = await this.command(['HGET', this.#totals, 'bytes']);
    return this.parse(reply, (value) =>
      value === null || value === undefined ? 0 : replyInteger(value),
    );
  }
}
