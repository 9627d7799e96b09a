// RedisCaptureStore: bins in Redis hashes, their hits in a Redis Stream each, and one feed stream every process reads.
import {
  RedisScript,
  replyArray,
  replyInteger,
  replyString,
  type RedisStoreOptions,
  type SendCommand,
} from '../redis';
import { RedisStore } from '../redis/store';
import { StreamFeed } from '../redis/feed';
import { positiveIntegerOption } from '../shared/options';
import type { BinInfo, CaptureStore, HitQuery } from '../types';
import type { Hit, NewHit } from './hit';
import { CaptureStoreFullError, MAX_HITS_PAGE } from './memory-store';
import type { BinResponse } from './response';

/** Options for {@link RedisCaptureStore}. */
export interface RedisCaptureStoreOptions extends RedisStoreOptions {
  /**
   * Sends commands on a connection of their own, for the feed's blocking
   * `XREAD` (a blocking command holds its connection). Without it the feed
   * polls every 100 ms. Defaults to none.
   */
  blockingCommand?: SendCommand;
  /** Hits kept per bin; past it, the oldest goes. Defaults to `10000`. */
  maxHitsPerBin?: number;
  /** Bytes of hits (their JSON) kept per bin; past it, the oldest goes. Defaults to `16777216` (16 MiB). */
  maxBytesPerBin?: number;
  /**
   * Bins kept (and `all`); making one more forgets the oldest bin that
   * holds no hit, or, when every bin holds hits, is refused. Defaults to `1000`.
   */
  maxBins?: number;
}

const STORE = 'capture store';

/**
 * createBin: KEYS: bins (sorted by creation), the bin's hash. ARGV: id,
 * createdAt, response JSON or '', maxBins, bin-hash prefix, stream prefix.
 * Past maxBins (`all` not counted) the oldest bin that holds no hit goes;
 * when every bin holds hits, nothing is made. Returns 1, 0 for an id
 * taken, -1 for no room.
 */
const CREATE_BIN = new RedisScript(`
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local count = redis.call('ZCARD', KEYS[1])
if redis.call('ZSCORE', KEYS[1], 'all') then count = count - 1 end
if ARGV[1] ~= 'all' and count >= tonumber(ARGV[4]) then
  local empty = false
  for _, old in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    if old ~= 'all' and redis.call('XLEN', ARGV[6] .. old) == 0 then
      empty = old
      break
    end
  end
  if not empty then return -1 end
  redis.call('DEL', ARGV[5] .. empty, ARGV[6] .. empty)
  redis.call('ZREM', KEYS[1], empty)
end
redis.call('HSET', KEYS[2], 'createdAt', ARGV[2], 'response', ARGV[3], 'ordinal', 0, 'evicted', 0, 'bytes', 0)
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
return 1
`);

/** take: KEYS: the bin's hash. Returns the response and the ordinal before this hit, or nil. */
const TAKE = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local ordinal = redis.call('HINCRBY', KEYS[1], 'ordinal', 1) - 1
return { redis.call('HGET', KEYS[1], 'response') or '', ordinal }
`);

/**
 * add: the hit into the feed (its id made there, after every id before)
 * and, with that id, into the bin's stream; past maxHitsPerBin hits or
 * maxBytesPerBin bytes in the bin, its oldest go (the newest stays,
 * whatever its size), and add to the bin's evicted. KEYS: feed, bin
 * stream, bin hash. ARGV: bin, hit JSON, maxHitsPerBin, feed length,
 * maxBytesPerBin. Returns the id, or nil for a bin that is gone.
 */
const ADD_HIT = new RedisScript(`
if redis.call('EXISTS', KEYS[3]) == 0 then return false end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], '*', 'bin', ARGV[1], 'hit', ARGV[2])
redis.call('XADD', KEYS[2], id, 'hit', ARGV[2])
local bytes = redis.call('HINCRBY', KEYS[3], 'bytes', string.len(ARGV[2]))
local evicted = 0
local length = redis.call('XLEN', KEYS[2])
while length > 1 and (length > tonumber(ARGV[3]) or bytes > tonumber(ARGV[5])) do
  local oldest = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
  redis.call('XDEL', KEYS[2], oldest[1])
  bytes = bytes - string.len(oldest[2][2])
  length = length - 1
  evicted = evicted + 1
end
if evicted > 0 then
  redis.call('HINCRBY', KEYS[3], 'evicted', evicted)
  -- A bin made before bytes were counted has hits it never counted.
  redis.call('HSET', KEYS[3], 'bytes', math.max(bytes, 0))
end
return id
`);

/** deleteHit: KEYS: stream, hash. ARGV: id. Returns 1 when it was there. */
const DELETE_HIT = new RedisScript(`
local entry = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])[1]
if not entry then return 0 end
redis.call('XDEL', KEYS[1], ARGV[1])
redis.call('HINCRBY', KEYS[2], 'bytes', -string.len(entry[2][2]))
return 1
`);

/** bin: KEYS: hash, stream. Returns createdAt, response, evicted, hits, or nil. */
const GET_BIN = new RedisScript(`
local bin = redis.call('HMGET', KEYS[1], 'createdAt', 'response', 'evicted')
if not bin[1] then return false end
return { bin[1], bin[2] or '', bin[3] or '0', redis.call('XLEN', KEYS[2]) }
`);

/** listBins: KEYS: bins. ARGV: hash prefix, stream prefix. Returns id, createdAt, response, evicted, hits for each. */
const LIST_BINS = new RedisScript(`
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local bin = redis.call('HMGET', ARGV[1] .. id, 'createdAt', 'response', 'evicted')
  if bin[1] then
    for _, v in ipairs({ id, bin[1], bin[2] or '', bin[3] or '0', redis.call('XLEN', ARGV[2] .. id) }) do
      out[#out + 1] = v
    end
  end
end
return out
`);

/** range: KEYS: stream. ARGV: start, count. Returns id, hit JSON pairs (flat). */
const RANGE = new RedisScript(`
local out = {}
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])) do
  out[#out + 1] = entry[1]
  out[#out + 1] = entry[2][2]
end
return out
`);

/** setResponse: KEYS: hash. ARGV: response JSON or ''. The sequence starts again. */
const SET_RESPONSE = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'response', ARGV[1], 'ordinal', 0)
return 1
`);

function responseOf(text: string | undefined): BinResponse | undefined {
  return text ? (JSON.parse(text) as BinResponse) : undefined;
}

function hitOf(id: string, json: string): Hit {
  const hit = JSON.parse(json) as NewHit;
  return { id, ...hit };
}

/**
 * Bins and hits in Redis, shared by every process: each bin a hash (its
 * response, the count its sequence runs on, its evicted count) in a set
 * sorted by creation, its hits a Redis Stream capped at `maxHitsPerBin`
 * hits and `maxBytesPerBin` bytes (the oldest trimmed), and every hit also in one feed stream, from which
 * each process reads the hits of every other (`XREAD BLOCK` on a
 * connection of its own): a feed held on one worker sees a hit answered by
 * another. Hit ids are the stream ids, made once, in the feed. Each
 * operation is one script.
 */
export class RedisCaptureStore extends RedisStore implements CaptureStore {
  readonly maxHitsPerBin: number;
  readonly maxBytesPerBin: number;
  readonly maxBins: number;
  readonly #listeners = new Set<{ bin: string | undefined; listener: (hit: Hit) => void }>();
  /** The feed every process adds its hits to, read while anyone subscribes. */
  readonly #reader: StreamFeed;

  constructor(options: RedisCaptureStoreOptions) {
    super('RedisCaptureStore', STORE, options);
    const example = 'new RedisCaptureStore({ sendCommand, maxHitsPerBin: 10000 })';
    this.#reader = new StreamFeed({
      send: this.send,
      blocking: options.blockingCommand,
      store: STORE,
      key: this.#feed,
      active: () => this.#listeners.size > 0,
      onEntry: (id, fields) => {
        const bin = fields[fields.indexOf('bin') + 1]!;
        const hit = hitOf(id, fields[fields.indexOf('hit') + 1]!);
        for (const { bin: wanted, listener } of this.#listeners) {
          if (wanted === undefined || wanted === bin) listener(hit);
        }
      },
    });
    this.maxHitsPerBin = positiveIntegerOption(
      'RedisCaptureStore',
      'maxHitsPerBin',
      options.maxHitsPerBin,
      10_000,
      example,
    );
    this.maxBytesPerBin = positiveIntegerOption(
      'RedisCaptureStore',
      'maxBytesPerBin',
      options.maxBytesPerBin,
      16 * 1024 * 1024,
      example,
    );
    this.maxBins = positiveIntegerOption(
      'RedisCaptureStore',
      'maxBins',
      options.maxBins,
      1000,
      example,
    );
  }

  get #bins(): string {
    return this.key('captureBins');
  }

  get #feed(): string {
    return this.key('captureFeed');
  }

  get #hashPrefix(): string {
    return this.key('captureBin');
  }

  get #streamPrefix(): string {
    return this.key('captureHits');
  }

  async createBin(id: string, response?: BinResponse): Promise<boolean> {
    const reply = await this.run(
      CREATE_BIN,
      [this.#bins, this.#hashPrefix + id],
      [
        id,
        Date.now(),
        response ? JSON.stringify(response) : '',
        this.maxBins,
        this.#hashPrefix,
        this.#streamPrefix,
      ],
    );
    const made = this.parse(reply, replyInteger);
    if (made === -1) {
      throw new CaptureStoreFullError(`Every one of the ${this.maxBins} bins holds hits`);
    }
    return made === 1;
  }

  async getBin(id: string): Promise<BinInfo | undefined> {
    const reply = await this.run(GET_BIN, [this.#hashPrefix + id, this.#streamPrefix + id], []);
    return this.parse(reply, (value) => {
      if (value === null || value === undefined || value === false) return undefined;
      const [createdAt, response, evicted, hits] = replyArray(value);
      return {
        id,
        createdAt: replyInteger(createdAt),
        response: responseOf(replyString(response)),
        evicted: replyInteger(evicted),
        hits: replyInteger(hits),
      };
    });
  }

  async listBins(): Promise<BinInfo[]> {
    const reply = await this.run(LIST_BINS, [this.#bins], [this.#hashPrefix, this.#streamPrefix]);
    return this.parse(reply, (value) => {
      const flat = replyArray(value);
      const bins: BinInfo[] = [];
      for (let i = 0; i + 4 < flat.length; i += 5) {
        bins.push({
          id: replyString(flat[i])!,
          createdAt: replyInteger(flat[i + 1]),
          response: responseOf(replyString(flat[i + 2])),
          evicted: replyInteger(flat[i + 3]),
          hits: replyInteger(flat[i + 4]),
        });
      }
      return bins;
    });
  }

  async deleteBin(id: string): Promise<boolean> {
    const reply = await this.command(['ZREM', this.#bins, id]);
    await this.command(['DEL', this.#hashPrefix + id, this.#streamPrefix + id]);
    return this.parse(reply, replyInteger) === 1;
  }

  async setResponse(id: string, response: BinResponse | undefined): Promise<boolean> {
    const reply = await this.run(
      SET_RESPONSE,
      [this.#hashPrefix + id],
      [response ? JSON.stringify(response) : ''],
    );
    return this.parse(reply, replyInteger) === 1;
  }

  async take(
    id: string,
  ): Promise<{ response: BinResponse | undefined; ordinal: number } | undefined> {
    const reply = await this.run(TAKE, [this.#hashPrefix + id], []);
    return this.parse(reply, (value) => {
      if (value === null || value === undefined || value === false) return undefined;
      const [response, ordinal] = replyArray(value);
      return { response: responseOf(replyString(response)), ordinal: replyInteger(ordinal) };
    });
  }

  async add(hit: NewHit): Promise<Hit | undefined> {
    const json = JSON.stringify(hit);
    const reply = await this.run(
      ADD_HIT,
      [this.#feed, this.#streamPrefix + hit.bin, this.#hashPrefix + hit.bin],
      [hit.bin, json, this.maxHitsPerBin, 1000, this.maxBytesPerBin],
    );
    return this.parse(reply, (value) => {
      const id = value === false ? undefined : replyString(value);
      return id === undefined ? undefined : { id, ...hit };
    });
  }

  async hits(bin: string, query: HitQuery = {}): Promise<Hit[]> {
    const limit = Math.min(query.limit ?? 100, MAX_HITS_PAGE);
    const found: Hit[] = [];
    let start = query.since === undefined ? '-' : `(${query.since}`;
    for (;;) {
      const reply = await this.run(RANGE, [this.#streamPrefix + bin], [start, 500]);
      const flat = this.parse(reply, (value) => replyArray(value).map((v) => replyString(v)!));
      for (let i = 0; i + 1 < flat.length && found.length < limit; i += 2) {
        const hit = hitOf(flat[i]!, flat[i + 1]!);
        if (query.label !== undefined && hit.label !== query.label) continue;
        if (query.method !== undefined && hit.method !== query.method) continue;
        found.push(hit);
      }
      if (found.length >= limit || flat.length < 1000) return found;
      start = `(${flat[flat.length - 2]}`;
    }
  }

  async hit(bin: string, id: string): Promise<Hit | undefined> {
    const reply = await this.command(['XRANGE', this.#streamPrefix + bin, id, id]);
    return this.parse(reply, (value) => {
      const [entry] = replyArray(value);
      if (entry === undefined) return undefined;
      const [entryId, fields] = replyArray(entry);
      return hitOf(replyString(entryId)!, replyString(replyArray(fields)[1])!);
    });
  }

  async deleteHit(bin: string, id: string): Promise<boolean> {
    const reply = await this.run(
      DELETE_HIT,
      [this.#streamPrefix + bin, this.#hashPrefix + bin],
      [id],
    );
    return this.parse(reply, replyInteger) === 1;
  }

  subscribe(bin: string | undefined, listener: (hit: Hit) => void): () => void {
    const entry = { bin, listener };
    this.#listeners.add(entry);
    this.#reader.start();
    return () => void this.#listeners.delete(entry);
  }

  listening(): Promise<void> {
    return this.#reader.listening();
  }

  /** Stops reading the feed (the connections are the caller's). */
  close(): void {
    this.#reader.close();
    this.#listeners.clear();
  }
}
