// The Redis session store of auth(), shared by every process that uses the same Redis (or Redis Cluster) and prefix.
import { positiveIntegerOption } from '../shared/options';
import { ConfigError } from '../shared/errors';
import {
  RedisScript,
  replyArray,
  replyString,
  shardOf,
  spreadTags,
  type RedisStoreOptions,
} from '../redis';
import { RedisStore } from '../redis/store';
import type { SessionData, SessionStore } from '../types';

/** Options for {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions extends RedisStoreOptions {
  /** How many sessions it keeps, for every process together; past it, the least recently used (of its shard) is forgotten. Defaults to `1000`. */
  maxSessions?: number;
  /**
   * How many shards the sessions are kept in: each shard is one hash slot
   * of a Redis Cluster holding its share of `maxSessions`, and forgets its
   * own least recently used. Defaults to one per 64 sessions of the cap, at
   * most 16 (so 1 below 128: one exact LRU).
   */
  shards?: number;
}

/**
 * set: the session under its key, expiring at `expiresAt` (in the same
 * write), its id in its shard's recency set; then, past the shard's share
 * of the cap, the shard's least recently used sessions forgotten. The
 * recency set is scored by a counter (KEYS[3]), so every use is ordered,
 * even within one millisecond and across processes. KEYS: session key,
 * recency set, use counter (one shard, one slot). ARGV: id, JSON,
 * expiresAt, the shard's cap, the shard's session-key prefix.
 */
const SET = new RedisScript(`
redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if over > 0 then
  local victims = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #victims, 2 do redis.call('DEL', ARGV[5] .. victims[i]) end
end
return 1
`);

/**
 * index: a session in its user's index, a sorted set scored by expiry whose
 * expired entries go in the same script, so it holds little more than the
 * user's live sessions. KEYS: user index. ARGV: id, expiresAt, now.
 */
const INDEX = new RedisScript(`
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local left = tonumber(ARGV[2]) - tonumber(ARGV[3])
if redis.call('PTTL', KEYS[1]) < left then redis.call('PEXPIRE', KEYS[1], left) end
return 1
`);

/** get: the session, marked as just used. KEYS: session key, recency set, use counter. ARGV: id. */
const GET = new RedisScript(`
local value = redis.call('GET', KEYS[1])
if value then redis.call('ZADD', KEYS[2], 'XX', redis.call('INCR', KEYS[3]), ARGV[1]) end
return value
`);

/** delete: sessions of one shard and their recency entries. KEYS: recency set. ARGV: the shard's session-key prefix, ids. */
const DELETE = new RedisScript(`
for i = 2, #ARGV do
  redis.call('DEL', ARGV[1] .. ARGV[i])
  redis.call('ZREM', KEYS[1], ARGV[i])
end
return 1
`);

/** take: the ids in a user's index, and the index gone. KEYS: user index. */
const TAKE = new RedisScript(`
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
return ids
`);

function isSessionData(value: unknown): value is SessionData {
  const data = value as SessionData | null;
  return (
    data !== null &&
    typeof data === 'object' &&
    typeof data.createdAt === 'number' &&
    typeof data.expiresAt === 'number' &&
    (data.user === undefined ||
      (typeof data.user === 'object' &&
        data.user !== null &&
        typeof data.user.username === 'string' &&
        Array.isArray(data.user.roles) &&
        data.user.roles.every((role) => typeof role === 'string')))
  );
}

/**
 * Sessions in Redis, shared by every process with the same Redis and prefix.
 * Each session is kept in one of `shards` shards, chosen by its id: the
 * session, the shard's recency set and its use counter share one hash slot,
 * so each operation is one Lua script, one atomic round trip, on one node
 * of a cluster. A session expires in Redis at its `expiresAt`, set in the
 * same write; each shard keeps at most its share of `maxSessions`, dropping
 * its least recently used in the script that adds one, so the total never
 * passes `maxSessions`. An index per user (in the user's own slot) lets
 * `deleteUser` end a user's sessions. A value under a session key that this
 * store did not write is no session.
 */
export class RedisSessionStore extends RedisStore implements SessionStore {
  readonly maxSessions: number;
  readonly shards: number;
  readonly #tags: readonly string[];

  constructor(options: RedisSessionStoreOptions) {
    super('RedisSessionStore', 'session store', options);
    const example = 'new RedisSessionStore({ sendCommand, maxSessions: 1000 })';
    this.maxSessions = positiveIntegerOption(
      'RedisSessionStore',
      'maxSessions',
      options.maxSessions,
      1000,
      example,
    );
    this.shards = positiveIntegerOption(
      'RedisSessionStore',
      'shards',
      options.shards,
      Math.min(16, Math.max(1, Math.floor(this.maxSessions / 64))),
      example,
    );
    if (this.shards > this.maxSessions) {
      throw new ConfigError(
        'RedisSessionStore',
        `"shards" must be at most "maxSessions" (${this.maxSessions}): each shard keeps at least one session (got ${this.shards}).`,
        example,
        'shards',
      );
    }
    this.#tags = spreadTags(this.shards);
  }

  /** The shard of a session id: its hash tag and its share of the cap. */
  #shard(id: string): { tag: string; cap: number } {
    const n = shardOf(id, this.shards);
    const base = Math.floor(this.maxSessions / this.shards);
    return { tag: this.#tags[n]!, cap: base + (n < this.maxSessions % this.shards ? 1 : 0) };
  }

  #keys(tag: string, id: string): string[] {
    return [
      this.tagged('session', tag, id),
      this.tagged('sessionRecency', tag),
      this.tagged('sessionUses', tag),
    ];
  }

  #user(username: string): string {
    return this.tagged('sessionUser', username);
  }

  async get(id: string): Promise<SessionData | undefined> {
    const reply = await this.run(GET, this.#keys(this.#shard(id).tag, id), [id]);
    const text = this.parse(reply, replyString);
    if (text === undefined) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (!isSessionData(data) || data.expiresAt <= Date.now()) return undefined;
    return data;
  }

  async set(id: string, data: SessionData): Promise<void> {
    const now = Date.now();
    const expiresAt = Math.max(data.expiresAt, now + 1);
    // Indexed first: once the session is there, deleteUser finds it.
    if (data.user) await this.run(INDEX, [this.#user(data.user.username)], [id, expiresAt, now]);
    const { tag, cap } = this.#shard(id);
    await this.run(SET, this.#keys(tag, id), [
      id,
      JSON.stringify(data),
      expiresAt,
      cap,
      this.tagged('session', tag, ''),
    ]);
    if (!data.user) return;
    // A deleteUser that took the index between the two writes above did
    // not find this session: it goes now, as it would have then.
    const indexed = await this.command(['ZSCORE', this.#user(data.user.username), id]);
    if (indexed === null || indexed === undefined) await this.#deleteAll([id]);
  }

  async delete(id: string): Promise<void> {
    await this.#deleteAll([id]);
  }

  async deleteUser(username: string): Promise<void> {
    const reply = await this.run(TAKE, [this.#user(username)], []);
    const ids = this.parse(reply, (value) => replyArray(value).map((id) => replyString(id) ?? ''));
    await this.#deleteAll(ids);
  }

  /** Deletes sessions, one script per shard they are in. */
  async #deleteAll(ids: readonly string[]): Promise<void> {
    const byShard = new Map<string, string[]>();
    for (const id of ids) {
      const { tag } = this.#shard(id);
      byShard.set(tag, [...(byShard.get(tag) ?? []), id]);
    }
    await Promise.all(
      [...byShard].map(([tag, some]) =>
        this.run(
          DELETE,
          [this.tagged('sessionRecency', tag)],
          [this.tagged('session', tag, ''), ...some],
        ),
      ),
    );
  }
}
