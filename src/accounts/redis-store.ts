// The Redis user and lockout stores of auth(), shared by every process that uses the same Redis and prefix.
import {
  RedisScript,
  replyArray,
  replyInteger,
  replyString,
  type RedisStoreOptions,
} from '../redis';
import { RedisStore } from '../redis/store';
import type { AttemptCount, LockoutStore, UserRecord, UserStore } from '../types';

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
export class RedisUserStore extends RedisStore implements UserStore {
  constructor(options: RedisStoreOptions) {
    super('RedisUserStore', 'user store', options);
  }

  #key(username: string): string {
    return this.key('user', username);
  }

  async get(username: string): Promise<UserRecord | undefined> {
    const reply = await this.command(['HMGET', this.#key(username), 'passwordHash', 'roles']);
    return this.parse(reply, (value) => {
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
      this.command(['HGET', this.#key(username), 'file']),
    ]);
    return user && { user, fileHash: this.parse(file, replyString) };
  }

  /** For the command's users file: sets a user as the file gives it (`fileHash` is the file's own), replacing any account of that name. */
  async setFileUser(user: UserRecord, fileHash: string): Promise<void> {
    await this.run(
      SET_FILE_USER,
      [this.#key(user.username)],
      [user.passwordHash, JSON.stringify(user.roles), fileHash],
    );
  }

  /** Forgets a user; resolves to whether there was one. */
  async delete(username: string): Promise<boolean> {
    const reply = await this.command(['DEL', this.#key(username)]);
    return this.parse(reply, replyInteger) === 1;
  }

  /** For the command's users file: the names it held at the last load. */
  async fileUsernames(): Promise<string[]> {
    const reply = await this.command(['SMEMBERS', this.#fileSet]);
    return this.parse(reply, (value) => replyArray(value).map((name) => replyString(name) ?? ''));
  }

  /** For the command's users file: records the names it holds now. */
  async setFileUsernames(names: readonly string[]): Promise<void> {
    await this.run(SET_FILE_USERNAMES, [this.#fileSet], [...names]);
  }

  get #fileSet(): string {
    return this.key('usersFile');
  }

  async create(user: UserRecord): Promise<boolean> {
    const reply = await this.run(
      CREATE_USER,
      [this.#key(user.username)],
      [user.passwordHash, JSON.stringify(user.roles)],
    );
    return this.parse(reply, replyInteger) === 1;
  }

  async update(
    username: string,
    changes: Partial<Omit<UserRecord, 'username'>>,
    expected: { passwordHash?: string } = {},
  ): Promise<boolean> {
    const reply = await this.run(
      UPDATE_USER,
      [this.#key(username)],
      [
        expected.passwordHash ?? '',
        changes.passwordHash === undefined ? '0' : `1${changes.passwordHash}`,
        changes.roles === undefined ? '0' : `1${JSON.stringify(changes.roles)}`,
      ],
    );
    return this.parse(reply, replyInteger) === 1;
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
export class RedisLockoutStore extends RedisStore implements LockoutStore {
  constructor(options: RedisStoreOptions) {
    super('RedisLockoutStore', 'lockout store', options);
  }

  #key(key: string): string {
    return this.key('lockout', key);
  }

  async consume(key: string, windowMs: number): Promise<AttemptCount> {
    const reply = await this.run(CONSUME, [this.#key(key)], [windowMs]);
    return this.parse(reply, (value) => {
      const [count, resetAt] = replyArray(value).map(replyInteger);
      return { count: count!, resetAt: resetAt! };
    });
  }

  async decrement(key: string): Promise<void> {
    await this.run(DECREMENT, [this.#key(key)], []);
  }

  async reset(key: string): Promise<void> {
    await this.command(['DEL', this.#key(key)]);
  }
}
