// The Redis stores of auth(): sessions, users and the lockout, shared by every process that uses the same Redis and prefix.
import { positiveIntegerOption } from '../options';
import {
  command,
  parseReply,
  RedisScript,
  redisOptions,
  replyArray,
  replyInteger,
  replyString,
  type RedisStoreOptions,
  type SendCommand,
} from '../redis';
import type {
  AttemptCount,
  LockoutStore,
  RefreshRecord,
  RefreshSuccessor,
  RefreshTokenStore,
  RefreshUse,
  SessionData,
  SessionStore,
  UserRecord,
  UserStore,
} from '../types';

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
export class RedisSessionStore implements SessionStore {
  readonly maxSessions: number;
  readonly #send: SendCommand;
  readonly #prefix: string;

  constructor(options: RedisSessionStoreOptions) {
    const { send, prefix } = redisOptions('RedisSessionStore', options);
    this.#send = send;
    this.#prefix = prefix;
    this.maxSessions = positiveIntegerOption(
      'RedisSessionStore',
      'maxSessions',
      options.maxSessions,
      1000,
      'new RedisSessionStore({ sendCommand, maxSessions: 1000 })',
    );
  }

  #key(id: string): string {
    return `${this.#prefix}sess:${id}`;
  }

  get #recency(): string {
    return `${this.#prefix}sess-recency`;
  }

  get #uses(): string {
    return `${this.#prefix}sess-uses`;
  }

  get #userPrefix(): string {
    return `${this.#prefix}sess-user:`;
  }

  async get(id: string): Promise<SessionData | undefined> {
    const reply = await GET.run(
      this.#send,
      'session store',
      [this.#key(id), this.#recency, this.#uses],
      [id],
    );
    const text = parseReply('session store', reply, replyString);
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
    await SET.run(
      this.#send,
      'session store',
      [this.#key(id), this.#recency, this.#uses],
      [
        id,
        JSON.stringify(data),
        Math.max(data.expiresAt, Date.now() + 1),
        Date.now(),
        this.maxSessions,
        this.#userPrefix,
        data.user?.username ?? '',
        `${this.#prefix}sess:`,
      ],
    );
  }

  async delete(id: string): Promise<void> {
    await DELETE.run(
      this.#send,
      'session store',
      [this.#key(id), this.#recency],
      [id, this.#userPrefix],
    );
  }

  async deleteUser(username: string): Promise<void> {
    await DELETE_USER.run(
      this.#send,
      'session store',
      [`${this.#userPrefix}${username}`, this.#recency],
      [`${this.#prefix}sess:`],
    );
  }
}

/** create: the user unless the name is taken. KEYS: user key. ARGV: hash, roles JSON. */
const CREATE_USER = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'passwordHash', ARGV[1], 'roles', ARGV[2])
return 1
`);

/**
 * update: the hash and/or roles, only while the stored hash is the expected
 * one. KEYS: user key. ARGV: expected hash or '', '1' + new hash or '0',
 * '1' + roles JSON or '0'.
 */
const UPDATE_USER = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] ~= '' and redis.call('HGET', KEYS[1], 'passwordHash') ~= ARGV[1] then return 0 end
if string.sub(ARGV[2], 1, 1) == '1' then redis.call('HSET', KEYS[1], 'passwordHash', string.sub(ARGV[2], 2)) end
if string.sub(ARGV[3], 1, 1) == '1' then redis.call('HSET', KEYS[1], 'roles', string.sub(ARGV[3], 2)) end
return 1
`);

/**
 * setFileUser: a user as the users file gives it, whatever was there (a
 * registered account of that name included). KEYS: user key. ARGV: hash,
 * roles JSON, the file's hash.
 */
const SET_FILE_USER = new RedisScript(`
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'passwordHash', ARGV[1], 'roles', ARGV[2], 'file', ARGV[3])
return 1
`);

/**
 * setFileUsernames: the names the users file holds now, added a thousand at
 * a time (Lua unpacks only so many values at once). KEYS: the set. ARGV:
 * the names.
 */
const SET_FILE_USERNAMES = new RedisScript(`
redis.call('DEL', KEYS[1])
for i = 1, #ARGV, 1000 do redis.call('SADD', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV))) end
return 1
`);

/** A user as the store keeps it, and the hash the users file gave it (when it is the file's user). */
export interface FileUserState {
  user: UserRecord;
  /** The hash the users file gave (or made of its plain password) at the load that set it; `undefined` for a registered account. */
  fileHash: string | undefined;
}

/**
 * Users in Redis, one hash each (`passwordHash`, `roles`, and `file` for a
 * user of the command's users file), shared by every process. `create` is
 * create-if-absent and `update` a compare-and-set on the old hash, each one
 * script.
 */
export class RedisUserStore implements UserStore {
  readonly #send: SendCommand;
  readonly #prefix: string;

  constructor(options: RedisStoreOptions) {
    const { send, prefix } = redisOptions('RedisUserStore', options);
    this.#send = send;
    this.#prefix = prefix;
  }

  #key(username: string): string {
    return `${this.#prefix}user:${username}`;
  }

  async get(username: string): Promise<UserRecord | undefined> {
    const reply = await command(this.#send, 'user store', [
      'HMGET',
      this.#key(username),
      'passwordHash',
      'roles',
    ]);
    return parseReply('user store', reply, (value) => {
      const [hash, roles] = replyArray(value).map(replyString);
      if (hash === undefined) return undefined;
      const parsed = JSON.parse(roles ?? '[]') as unknown;
      if (!Array.isArray(parsed) || !parsed.every((role) => typeof role === 'string')) {
        throw new TypeError('roles are not a list of names');
      }
      return { username, passwordHash: hash, roles: parsed as string[] };
    });
  }

  /** For the command's users file: a user with the hash the file gave it, or `undefined`. */
  async getFileUser(username: string): Promise<FileUserState | undefined> {
    const [user, file] = await Promise.all([
      this.get(username),
      command(this.#send, 'user store', ['HGET', this.#key(username), 'file']),
    ]);
    return user && { user, fileHash: parseReply('user store', file, replyString) };
  }

  /** For the command's users file: sets a user as the file gives it (`fileHash` is the file's own), replacing any account of that name. */
  async setFileUser(user: UserRecord, fileHash: string): Promise<void> {
    await SET_FILE_USER.run(
      this.#send,
      'user store',
      [this.#key(user.username)],
      [user.passwordHash, JSON.stringify(user.roles), fileHash],
    );
  }

  /** Forgets a user; resolves to whether there was one. */
  async delete(username: string): Promise<boolean> {
    const reply = await command(this.#send, 'user store', ['DEL', this.#key(username)]);
    return parseReply('user store', reply, replyInteger) === 1;
  }

  /** For the command's users file: the names it held at the last load. */
  async fileUsernames(): Promise<string[]> {
    const reply = await command(this.#send, 'user store', ['SMEMBERS', this.#fileSet]);
    return parseReply('user store', reply, (value) =>
      replyArray(value).map((name) => replyString(name) ?? ''),
    );
  }

  /** For the command's users file: records the names it holds now. */
  async setFileUsernames(names: readonly string[]): Promise<void> {
    await SET_FILE_USERNAMES.run(this.#send, 'user store', [this.#fileSet], [...names]);
  }

  get #fileSet(): string {
    return `${this.#prefix}users-file`;
  }

  async create(user: UserRecord): Promise<boolean> {
    const reply = await CREATE_USER.run(
      this.#send,
      'user store',
      [this.#key(user.username)],
      [user.passwordHash, JSON.stringify(user.roles)],
    );
    return parseReply('user store', reply, replyInteger) === 1;
  }

  async update(
    username: string,
    changes: Partial<Omit<UserRecord, 'username'>>,
    expected: { passwordHash?: string } = {},
  ): Promise<boolean> {
    const reply = await UPDATE_USER.run(
      this.#send,
      'user store',
      [this.#key(username)],
      [
        expected.passwordHash ?? '',
        changes.passwordHash === undefined ? '0' : `1${changes.passwordHash}`,
        changes.roles === undefined ? '0' : `1${JSON.stringify(changes.roles)}`,
      ],
    );
    return parseReply('user store', reply, replyInteger) === 1;
  }
}

/**
 * consume: one more attempt, the window (its TTL) set in the same write when
 * it starts. KEYS: the key. ARGV: window. Returns the count and when the
 * window ends (Redis's clock, milliseconds; PEXPIRETIME needs Redis 7).
 */
const CONSUME = new RedisScript(`
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return { count, redis.call('PEXPIRETIME', KEYS[1]) }
`);

/** decrement: one attempt back, never below zero, the window kept. KEYS: the key. */
const DECREMENT = new RedisScript(`
local count = tonumber(redis.call('GET', KEYS[1]))
if count and count > 0 then redis.call('DECR', KEYS[1]) end
return 1
`);

/**
 * Attempt counts in Redis, shared by every process: `consume` is one script
 * (INCR, and PEXPIRE when a window starts), so parallel attempts on several
 * processes each get their own count. Windows end by Redis's own expiry.
 */
export class RedisLockoutStore implements LockoutStore {
  readonly #send: SendCommand;
  readonly #prefix: string;

  constructor(options: RedisStoreOptions) {
    const { send, prefix } = redisOptions('RedisLockoutStore', options);
    this.#send = send;
    this.#prefix = prefix;
  }

  #key(key: string): string {
    return `${this.#prefix}lockout:${key}`;
  }

  async consume(key: string, windowMs: number): Promise<AttemptCount> {
    const reply = await CONSUME.run(this.#send, 'lockout store', [this.#key(key)], [windowMs]);
    return parseReply('lockout store', reply, (value) => {
      const [count, resetAt] = replyArray(value).map(replyInteger);
      return { count: count!, resetAt: resetAt! };
    });
  }

  async decrement(key: string): Promise<void> {
    await DECREMENT.run(this.#send, 'lockout store', [this.#key(key)], []);
  }

  async reset(key: string): Promise<void> {
    await command(this.#send, 'lockout store', ['DEL', this.#key(key)]);
  }
}

/**
 * Keeps a token (a hash, expiring at expiresAt) in its family's set and the
 * family in its user's set: sorted sets scored by expiry, whose expired
 * entries go in the same script (a family that keeps rotating does not
 * grow), each living as long as its longest token. Lua shared by `add` and
 * `rotate`.
 */
const KEEP_REFRESH = `
local function keep(token, familySet, userSet, username, family, expiresAt, now)
  redis.call('HSET', token, 'username', username, 'family', family, 'expiresAt', expiresAt, 'spent', '0')
  redis.call('PEXPIREAT', token, expiresAt)
  local left = tonumber(expiresAt) - tonumber(now)
  redis.call('ZADD', familySet, expiresAt, token)
  redis.call('ZREMRANGEBYSCORE', familySet, '-inf', now)
  if redis.call('PTTL', familySet) < left then redis.call('PEXPIRE', familySet, left) end
  local known = redis.call('ZSCORE', userSet, family)
  if not known or tonumber(known) < tonumber(expiresAt) then redis.call('ZADD', userSet, expiresAt, family) end
  redis.call('ZREMRANGEBYSCORE', userSet, '-inf', now)
  if redis.call('PTTL', userSet) < left then redis.call('PEXPIRE', userSet, left) end
end
`;

/** add: a login's first token. KEYS: token key, family set, user set. ARGV: username, family, expiresAt, now. */
const ADD_REFRESH = new RedisScript(`${KEEP_REFRESH}
keep(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
return 1
`);

/**
 * rotate: spends the token and keeps its successor in its family, in one
 * script; a token spent already revokes its whole family (successors
 * included). KEYS: token key, successor's key. ARGV: family-set prefix,
 * user-set prefix, the successor's expiresAt, now. Returns status,
 * username, family, expiresAt, or nil for a token not there (or expired).
 */
const ROTATE_REFRESH = new RedisScript(`${KEEP_REFRESH}
local token = redis.call('HMGET', KEYS[1], 'username', 'family', 'expiresAt', 'spent')
if not token[1] then return false end
local familySet = ARGV[1] .. token[2]
if token[4] == '1' then
  for _, key in ipairs(redis.call('ZRANGE', familySet, 0, -1)) do redis.call('DEL', key) end
  redis.call('DEL', familySet)
  return { 'reused', token[1], token[2], token[3] }
end
if tonumber(token[3]) <= tonumber(ARGV[4]) then return false end
redis.call('HSET', KEYS[1], 'spent', '1')
keep(KEYS[2], familySet, ARGV[2] .. token[1], token[1], token[2], ARGV[3], ARGV[4])
return { 'ok', token[1], token[2], token[3] }
`);

/** revoke: one token. KEYS: token key. ARGV: family-set prefix. Returns whether it was there. */
const REVOKE_REFRESH = new RedisScript(`
local family = redis.call('HGET', KEYS[1], 'family')
if not family then return 0 end
redis.call('ZREM', ARGV[1] .. family, KEYS[1])
redis.call('DEL', KEYS[1])
return 1
`);

/** revokeUser: every token of every family of the user. KEYS: user set. ARGV: family-set prefix. */
const REVOKE_REFRESH_USER = new RedisScript(`
for _, family in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local set = ARGV[1] .. family
  for _, key in ipairs(redis.call('ZRANGE', set, 0, -1)) do redis.call('DEL', key) end
  redis.call('DEL', set)
end
redis.call('DEL', KEYS[1])
return 1
`);

/**
 * Refresh tokens in Redis, by digest, shared by every process: each a hash
 * expiring with the token, in a set per family and a set of families per
 * user. `rotate` is one script, so of concurrent uses of one token on any
 * processes exactly one rotates it, its successor is in the family before
 * any other use is seen, and a reuse revokes the family.
 */
export class RedisRefreshTokenStore implements RefreshTokenStore {
  readonly #send: SendCommand;
  readonly #prefix: string;

  constructor(options: RedisStoreOptions) {
    const { send, prefix } = redisOptions('RedisRefreshTokenStore', options);
    this.#send = send;
    this.#prefix = prefix;
  }

  #token(digest: string): string {
    return `${this.#prefix}rt:${digest}`;
  }

  get #familyPrefix(): string {
    return `${this.#prefix}rt-family:`;
  }

  get #userPrefix(): string {
    return `${this.#prefix}rt-user:`;
  }

  #user(username: string): string {
    return `${this.#userPrefix}${username}`;
  }

  async add(digest: string, record: RefreshRecord): Promise<void> {
    await ADD_REFRESH.run(
      this.#send,
      'refresh-token store',
      [this.#token(digest), `${this.#familyPrefix}${record.family}`, this.#user(record.username)],
      [record.username, record.family, Math.max(record.expiresAt, Date.now() + 1), Date.now()],
    );
  }

  async rotate(digest: string, next: RefreshSuccessor): Promise<RefreshUse> {
    const now = Date.now();
    const reply = await ROTATE_REFRESH.run(
      this.#send,
      'refresh-token store',
      [this.#token(digest), this.#token(next.digest)],
      [this.#familyPrefix, this.#userPrefix, Math.max(next.expiresAt, now + 1), now],
    );
    return parseReply('refresh-token store', reply, (value): RefreshUse => {
      if (value === null || value === undefined) return { status: 'unknown' };
      const [status, username, family, expiresAt] = replyArray(value).map(replyString);
      if ((status !== 'ok' && status !== 'reused') || !username || !family) {
        throw new TypeError('not a token this store saved');
      }
      return { status, record: { username, family, expiresAt: replyInteger(expiresAt) } };
    });
  }

  async revoke(digest: string): Promise<boolean> {
    const reply = await REVOKE_REFRESH.run(
      this.#send,
      'refresh-token store',
      [this.#token(digest)],
      [this.#familyPrefix],
    );
    return parseReply('refresh-token store', reply, replyInteger) === 1;
  }

  async revokeUser(username: string): Promise<void> {
    await REVOKE_REFRESH_USER.run(
      this.#send,
      'refresh-token store',
      [this.#user(username)],
      [this.#familyPrefix],
    );
  }
}
