// The Redis session store of auth(), shared by every process that uses the same Redis and prefix.
import { positiveIntegerOption } from '../shared/options';
import { RedisScript, replyString, type RedisStoreOptions } from '../redis';
import { RedisStore } from '../redis/store';
import type { SessionData, SessionStore } from '../types';

/** Options for {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions extends RedisStoreOptions {
  /** How many sessions it keeps, for every process together; past it, the least recently used is forgotten. Defaults to `1000`. */
  maxSessions?: number;
}

/**
 * set: the session under its key, expiring at `expiresAt` (in the same
 * write); its id in the recency set and in its user's index; then, past the
 * cap, the least recently used sessions forgotten with their index entries.
 * The recency set is scored by a counter (KEYS[3]), so every use is ordered,
 * even within one millisecond and across processes. KEYS: session key,
 * recency set, use counter. ARGV: id, JSON, expiresAt, now, max, user-index
 * prefix, username (or ''), session-key prefix. The user index is a sorted
 * set scored by expiry: entries of sessions that expired go in the same
 * script, so it never holds more than the user's live sessions for long.
 */
const SET = new RedisScript(`
redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
if ARGV[7] ~= '' then
  local index = ARGV[6] .. ARGV[7]
  redis.call('ZADD', index, ARGV[3], ARGV[1])
  redis.call('ZREMRANGEBYSCORE', index, '-inf', ARGV[4])
  local left = tonumber(ARGV[3]) - tonumber(ARGV[4])
  if redis.call('PTTL', index) < left then redis.call('PEXPIRE', index, left) end
end
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if over > 0 then
  local victims = redis.call('ZPOPMIN', KEYS[2], over)
  for i = 1, #victims, 2 do
    local key = ARGV[8] .. victims[i]
    local value = redis.call('GET', key)
    if value then
      local ok, data = pcall(cjson.decode, value)
      if ok and type(data) == 'table' and type(data.user) == 'table' and type(data.user.username) == 'string' then
        redis.call('ZREM', ARGV[6] .. data.user.username, victims[i])
      end
      redis.call('DEL', key)
    end
  end
end
return 1
`);

/** get: the session, marked as just used. KEYS: session key, recency set, use counter. ARGV: id. */
const GET = new RedisScript(`
local value = redis.call('GET', KEYS[1])
if value then redis.call('ZADD', KEYS[2], 'XX', redis.call('INCR', KEYS[3]), ARGV[1]) end
return value
`);

/** delete: the session, its recency entry and its user-index entry. KEYS: session key, recency set. ARGV: id, user-index prefix. */
const DELETE = new RedisScript(`
local value = redis.call('GET', KEYS[1])
if value then
  local ok, data = pcall(cjson.decode, value)
  if ok and type(data) == 'table' and type(data.user) == 'table' and type(data.user.username) == 'string' then
    redis.call('ZREM', ARGV[2] .. data.user.username, ARGV[1])
  end
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`);

/** deleteUser: every session in the user's index, and the index. KEYS: user index, recency set. ARGV: session-key prefix. */
const DELETE_USER = new RedisScript(`
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, id in ipairs(ids) do
  redis.call('DEL', ARGV[1] .. id)
  redis.call('ZREM', KEYS[2], id)
end
redis.call('DEL', KEYS[1])
return #ids
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
 * Each operation is one Lua script, so one atomic round trip: a session
 * expires in Redis at its `expiresAt`, set in the same write; a sorted set of
 * last use keeps at most `maxSessions`, dropping the least recently used in
 * the same script that adds one; an index per user, kept in the same
 * scripts, lets `deleteUser` end a user's sessions. A value under a session
 * key that this store did not write is no session.
 */
export class RedisSessionStore extends RedisStore implements SessionStore {
  readonly maxSessions: number;

  constructor(options: RedisSessionStoreOptions) {
    super('RedisSessionStore', 'session store', options);
    this.maxSessions = positiveIntegerOption(
      'RedisSessionStore',
      'maxSessions',
      options.maxSessions,
      1000,
      'new RedisSessionStore({ sendCommand, maxSessions: 1000 })',
    );
  }

  #key(id: string): string {
    return this.key('session', id);
  }

  get #recency(): string {
    return this.key('sessionRecency');
  }

  get #uses(): string {
    return this.key('sessionUses');
  }

  get #userPrefix(): string {
    return this.key('sessionUser');
  }

  async get(id: string): Promise<SessionData | undefined> {
    const reply = await this.run(GET, [this.#key(id), this.#recency, this.#uses], [id]);
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
    await this.run(
      SET,
      [this.#key(id), this.#recency, this.#uses],
      [
        id,
        JSON.stringify(data),
        Math.max(data.expiresAt, Date.now() + 1),
        Date.now(),
        this.maxSessions,
        this.#userPrefix,
        data.user?.username ?? '',
        this.key('session'),
      ],
    );
  }

  async delete(id: string): Promise<void> {
    await this.run(DELETE, [this.#key(id), this.#recency], [id, this.#userPrefix]);
  }

  async deleteUser(username: string): Promise<void> {
    await this.run(
      DELETE_USER,
      [`${this.#userPrefix}${username}`, this.#recency],
      [this.key('session')],
    );
  }
}
