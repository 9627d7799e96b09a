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
 * Keeps a token (a hash, expiring at expiresAt) in its family's set, a
 * sorted set scored by expiry whose expired entries go in the same script
 * (a family that keeps rotating does not grow), living as long as its
 * longest token; never in a family that was revoked. Lua shared by `add`
 * and `rotate`; every key is in the family's slot.
 */
const KEEP_REFRESH = `
local function keep(token, familySet, revoked, username, family, expiresAt, now)
  if redis.call('EXISTS', revoked) == 1 then return false end
  redis.call('HSET', token, 'username', username, 'family', family, 'expiresAt', expiresAt, 'spent', '0')
  redis.call('PEXPIREAT', token, expiresAt)
  local left = tonumber(expiresAt) - tonumber(now)
  redis.call('ZADD', familySet, expiresAt, token)
  redis.call('ZREMRANGEBYSCORE', familySet, '-inf', now)
  if redis.call('PTTL', familySet) < left then redis.call('PEXPIRE', familySet, left) end
  return true
end
`;

/** add: a login's first token. KEYS: token key, family set, revoked mark. ARGV: username, family, expiresAt, now. */
const ADD_REFRESH = new RedisScript(`${KEEP_REFRESH}
if keep(KEYS[1], KEYS[2], KEYS[3], ARGV[1], ARGV[2], ARGV[3], ARGV[4]) then return 1 end
return 0
`);

/**
 * Ends a family: its tokens and set go, and a mark keeps any token from
 * joining it again until the last of them would have expired.
 */
const END_FAMILY = `
local function finish(familySet, revoked, expiry)
  local last = redis.call('ZRANGE', familySet, -1, -1, 'WITHSCORES')[2]
  if last and tonumber(last) > tonumber(expiry) then expiry = last end
  for _, key in ipairs(redis.call('ZRANGE', familySet, 0, -1)) do redis.call('DEL', key) end
  redis.call('DEL', familySet)
  redis.call('SET', revoked, '1', 'PXAT', expiry)
end
`;

/**
 * rotate: spends the token and keeps its successor in its family, in one
 * script; a token spent already revokes its whole family (successors
 * included). KEYS: token key, successor's key, family set, revoked mark
 * (the family's slot). ARGV: the successor's expiresAt, now. Returns
 * status, username, family, expiresAt, or nil for a token not there (or
 * expired).
 */
const ROTATE_REFRESH = new RedisScript(`${KEEP_REFRESH}${END_FAMILY}
local token = redis.call('HMGET', KEYS[1], 'username', 'family', 'expiresAt', 'spent')
if not token[1] then return false end
if token[4] == '1' then
  finish(KEYS[3], KEYS[4], math.max(tonumber(token[3]), tonumber(ARGV[2]) + 1))
  return { 'reused', token[1], token[2], token[3] }
end
if tonumber(token[3]) <= tonumber(ARGV[2]) then return false end
redis.call('HSET', KEYS[1], 'spent', '1')
keep(KEYS[2], KEYS[3], KEYS[4], token[1], token[2], ARGV[1], ARGV[2])
return { 'ok', token[1], token[2], token[3] }
`);

/** revoke: one token. KEYS: token key, family set. Returns whether it was there. */
const REVOKE_REFRESH = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], KEYS[1])
redis.call('DEL', KEYS[1])
return 1
`);

/** revokeFamily: every token of a family, and the family revoked. KEYS: family set, revoked mark. ARGV: until when (ms). */
const REVOKE_FAMILY = new RedisScript(`${END_FAMILY}
finish(KEYS[1], KEYS[2], ARGV[1])
return 1
`);

/**
 * user: a family in its user's set, a sorted set scored by the family's
 * latest expiry, pruned of expired families in the same script. KEYS: user
 * set. ARGV: family, expiresAt, now.
 */
const USER_FAMILY = new RedisScript(`
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local left = tonumber(ARGV[2]) - tonumber(ARGV[3])
if redis.call('PTTL', KEYS[1]) < left then redis.call('PEXPIRE', KEYS[1], left) end
return 1
`);

/** take: a user's families with their expiry, and the set gone. KEYS: user set. */
const TAKE_FAMILIES = new RedisScript(`
local families = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
redis.call('DEL', KEYS[1])
return families
`);

/**
 * Refresh tokens in Redis, shared by every process. A token is a hash
 * expiring with it, in its family's set; a family's keys share the
 * family's hash slot, so `rotate` is one script there: of concurrent uses
 * of one token on any processes exactly one rotates it, its successor is
 * in the family before any other use is seen, and a reuse revokes the
 * family. A digest finds its family through a key of its own (in the
 * digest's slot), and a user's families are a set in the user's slot, so a
 * cluster spreads tokens by family. A revoked family is marked, so a token
 * made for it while it was being revoked never joins it.
 */
export class RedisRefreshTokenStore extends RedisStore implements RefreshTokenStore {
  constructor(options: RedisStoreOptions) {
    super('RedisRefreshTokenStore', 'refresh-token store', options);
  }

  /** The keys of a family: a token of it (by digest), its set, its revoked mark. */
  #family(family: string, digest: string): string[] {
    return [
      this.tagged('refreshToken', family, digest),
      this.tagged('refreshFamily', family),
      this.tagged('refreshRevoked', family),
    ];
  }

  #digest(digest: string): string {
    return this.tagged('refreshDigest', digest);
  }

  #user(username: string): string {
    return this.tagged('refreshUser', username);
  }

  /** Where a digest's token is: its family and user, or `undefined`. */
  async #find(digest: string): Promise<{ family: string; username: string } | undefined> {
    const reply = await this.command(['GET', this.#digest(digest)]);
    return this.parse(reply, (value) => {
      const text = replyString(value);
      if (text === undefined) return undefined;
      const [family, username] = JSON.parse(text) as unknown[];
      if (typeof family !== 'string' || typeof username !== 'string') {
        throw new TypeError('not a token this store saved');
      }
      return { family, username };
    });
  }

  /** Points a digest at its family, until its token expires. */
  #point(digest: string, family: string, username: string, expiresAt: number): Promise<unknown> {
    return this.command([
      'SET',
      this.#digest(digest),
      JSON.stringify([family, username]),
      'PXAT',
      String(expiresAt),
    ]);
  }

  async add(digest: string, record: RefreshRecord): Promise<void> {
    const now = Date.now();
    const expiresAt = Math.max(record.expiresAt, now + 1);
    const { username, family } = record;
    // The user's set first: once the token is there, revokeUser finds it.
    await Promise.all([
      this.run(USER_FAMILY, [this.#user(username)], [family, expiresAt, now]),
      this.#point(digest, family, username, expiresAt),
    ]);
    await this.run(ADD_REFRESH, this.#family(family, digest), [username, family, expiresAt, now]);
  }

  async rotate(digest: string, next: RefreshSuccessor): Promise<RefreshUse> {
    const found = await this.#find(digest);
    if (!found) return { status: 'unknown' };
    const now = Date.now();
    const expiresAt = Math.max(next.expiresAt, now + 1);
    const [token, family, revoked] = this.#family(found.family, digest);
    const [, reply] = await Promise.all([
      this.#point(next.digest, found.family, found.username, expiresAt),
      this.run(
        ROTATE_REFRESH,
        [token!, this.tagged('refreshToken', found.family, next.digest), family!, revoked!],
        [expiresAt, now],
      ),
      // A family that keeps rotating stays in its user's set as long as it lives.
      this.run(USER_FAMILY, [this.#user(found.username)], [found.family, expiresAt, now]),
    ]);
    return this.parse(reply, (value): RefreshUse => {
      if (value === null || value === undefined) return { status: 'unknown' };
      const [status, username, family, expiresAt] = replyArray(value).map(replyString);
      if (
        (status !== 'ok' && status !== 'reused') ||
        username === undefined ||
        family === undefined
      ) {
        throw new TypeError('not a token this store saved');
      }
      return { status, record: { username, family, expiresAt: replyInteger(expiresAt) } };
    });
  }

  async revoke(digest: string): Promise<boolean> {
    const found = await this.#find(digest);
    if (!found) return false;
    const [token, family] = this.#family(found.family, digest);
    const reply = await this.run(REVOKE_REFRESH, [token!, family!], []);
    await this.command(['DEL', this.#digest(digest)]);
    return this.parse(reply, replyInteger) === 1;
  }

  async revokeUser(username: string): Promise<void> {
    const reply = await this.run(TAKE_FAMILIES, [this.#user(username)], []);
    const flat = this.parse(reply, (value) => replyArray(value).map((v) => replyString(v) ?? ''));
    const ends: Promise<unknown>[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const [, family, revoked] = this.#family(flat[i]!, '');
      ends.push(this.run(REVOKE_FAMILY, [family!, revoked!], [flat[i + 1]!]));
    }
    await Promise.all(ends);
  }
}
