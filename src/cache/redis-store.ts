// RedisPageStore: cache() pages in Redis, shared by every process, with the accounting done inside Redis.
import {
  RedisScript,
  replyArray,
  replyInteger,
  replyString,
  type RedisStoreOptions,
} from '../redis';
import { RedisStore } from '../redis/store';
import { pageType } from './decode';
import type { CachedPage, PageLimits, PageLookup, PageSaveResult, PageStore } from '../types';

/**
 * save: checks the name, the free space and the count of names, then saves,
 * all in one script. KEYS: page key, names set, size counter, live-names set.
 * ARGV: name, data (base64), type, bytes, maxSize, maxNames.
 */
const SAVE = new RedisScript(`
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 'exists' end
local size = tonumber(redis.call('GET', KEYS[3]) or '0')
-- Checked before any write: a script that fails halfway is not undone.
if not size or size ~= math.floor(size) or size < 0 then return redis.error_reply('page-bytes is not a count') end
if size + tonumber(ARGV[4]) > tonumber(ARGV[5]) then return 'full' end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[6]) then return 'too-many-names' end
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'type', ARGV[3], 'bytes', ARGV[4])
redis.call('INCRBY', KEYS[3], ARGV[4])
return 'saved'
`);

/** get: the page, 'cleared' for a name whose page went, or nil. KEYS: page key, names set. ARGV: name. */
const GET = new RedisScript(`
local page = redis.call('HMGET', KEYS[1], 'data', 'type')
if page[1] then return { page[1], page[2] } end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then return 'cleared' end
return false
`);

/** clear: frees the page's bytes, once; the name stays. KEYS: page key, size counter, live-names set. ARGV: name. */
const CLEAR = new RedisScript(`
local bytes = redis.call('HGET', KEYS[1], 'bytes')
if bytes then
  redis.call('DECRBY', KEYS[2], bytes)
  redis.call('DEL', KEYS[1])
end
redis.call('SREM', KEYS[3], ARGV[1])
return 1
`);

/**
 * clearAll: every live page, the size back to 0; every name stays. Only the
 * live pages are walked, not every name ever saved. KEYS: live-names set,
 * size counter. ARGV: page-key prefix.
 */
const CLEAR_ALL = new RedisScript(`
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  redis.call('DEL', ARGV[1] .. name)
end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], 0)
return 1
`);

/** A page from the `data` (base64) and `type` fields; anything else is not a page this store saved. */
function toPage([data, type]: (string | undefined)[]): CachedPage {
  if (
    data === undefined ||
    type === undefined ||
    !/^[A-Za-z0-9+/]*={0,2}$/.test(data) ||
    // The type goes into a header: only what this store saves (a known media type).
    pageType(type) !== type
  ) {
    throw new TypeError('not a page this store saved');
  }
  return { data: Buffer.from(data, 'base64'), type };
}

/**
 * Pages in Redis, shared by every process with the same Redis and prefix:
 * each page a hash (its bytes as base64, so they come back byte for byte
 * through any client, its type, its size), every name ever saved in a set
 * (names stay taken for every process), and the bytes held in a counter.
 * Each operation is one script, so `save` checks the name, the space and
 * the names left and saves atomically: the total never passes `maxSize`,
 * whichever process saves. A value under its keys that this store did not
 * write is a 503.
 */
export class RedisPageStore extends RedisStore implements PageStore {
  constructor(options: RedisStoreOptions) {
    super('RedisPageStore', 'page store', options);
  }

  #page(name: string): string {
    return this.key('page', name);
  }

  get #names(): string {
    return this.key('pageNames');
  }

  get #size(): string {
    return this.key('pageBytes');
  }

  get #live(): string {
    return this.key('pageLive');
  }

  async save(name: string, page: CachedPage, limits: PageLimits): Promise<PageSaveResult> {
    const reply = await this.run(
      SAVE,
      [this.#page(name), this.#names, this.#size, this.#live],
      [
        name,
        page.data.toString('base64'),
        page.type,
        page.data.length,
        limits.maxSize,
        limits.maxNames,
      ],
    );
    return this.parse(reply, (value) => {
      const result = replyString(value);
      if (
        result !== 'saved' &&
        result !== 'exists' &&
        result !== 'full' &&
        result !== 'too-many-names'
      ) {
        throw new TypeError(`unexpected result ${String(result)}`);
      }
      return result;
    });
  }

  async get(name: string): Promise<PageLookup> {
    // A page that is there is one plain HMGET; only a miss asks the script,
    // which tells a cleared name from one never saved in one atomic look.
    const hit = await this.command(['HMGET', this.#page(name), 'data', 'type']);
    const page = this.parse(hit, (value) => replyArray(value).map(replyString));
    if (page[0] !== undefined) return this.parse(page, () => toPage(page));
    const reply = await this.run(GET, [this.#page(name), this.#names], [name]);
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
    await this.run(CLEAR, [this.#page(name), this.#size, this.#live], [name]);
  }

  async clearAll(): Promise<void> {
    await this.run(CLEAR_ALL, [this.#live, this.#size], [this.key('page')]);
  }

  async size(): Promise<number> {
    const reply = await this.command(['GET', this.#size]);
    return this.parse(reply, (value) =>
      value === null || value === undefined ? 0 : replyInteger(value),
    );
  }
}
