// The Redis refresh-token store of token mode, shared by every process that uses the same Redis and prefix.
import {
  RedisScript,
  replyArray,
  replyInteger,
  replyString,
  type RedisStoreOptions,
} from '../redis';
import { RedisStore } from '../redis/store';
import type { RefreshRecord, RefreshSuccessor, RefreshTokenStore, RefreshUse } from '../types';

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
export class RedisRefreshTokenStore extends RedisStore implements RefreshTokenStore {
  constructor(options: RedisStoreOptions) {
    super('RedisRefreshTokenStore', 'refresh-token store', options);
  }

  #token(digest: string): string {
    return this.key('refreshToken', digest);
  }

  get #familyPrefix(): string {
    return this.key('refreshFamily');
  }

  get #userPrefix(): string {
    return this.key('refreshUser');
  }

  #user(username: string): string {
    return `${this.#userPrefix}${username}`;
  }

  async add(digest: string, record: RefreshRecord): Promise<void> {
    await this.run(
      ADD_REFRESH,
      [this.#token(digest), `${this.#familyPrefix}${record.family}`, this.#user(record.username)],
      [record.username, record.family, Math.max(record.expiresAt, Date.now() + 1), Date.now()],
    );
  }

  async rotate(digest: string, next: RefreshSuccessor): Promise<RefreshUse> {
    const now = Date.now();
    const reply = await this.run(
      ROTATE_REFRESH,
      [this.#token(digest), this.#token(next.digest)],
      [this.#familyPrefix, this.#userPrefix, Math.max(next.expiresAt, now + 1), now],
    );
    return this.parse(reply, (value): RefreshUse => {
      if (value === null || value === undefined) return { status: 'unknown' };
      const [status, username, family, expiresAt] = replyArray(value).map(replyString);
      if ((status !== 'ok' && status !== 'reused') || !username || !family) {
        throw new TypeError('not a token this store saved');
      }
      return { status, record: { username, family, expiresAt: replyInteger(expiresAt) } };
    });
  }

  async revoke(digest: string): Promise<boolean> {
    const reply = await this.run(REVOKE_REFRESH, [this.#token(digest)], [this.#familyPrefix]);
    return this.parse(reply, replyInteger) === 1;
  }

  async revokeUser(username: string): Promise<void> {
    await this.run(REVOKE_REFRESH_USER, [this.#user(username)], [this.#familyPrefix]);
  }
}
