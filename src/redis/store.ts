// The base every Redis store shares: its client, its key prefix, the names of its keys, its scripts and how their failures read.
import { command, parseReply, redisOptions, type RedisScript, type SendCommand } from '.';

/**
 * Every key mixnmatch keeps in Redis, by the name the stores use, as it
 * follows the prefix (an item's id, name or digest follows a name that ends
 * in `:`). One list, so no two stores can collide and an operator can read
 * what a prefix holds.
 */
export const KEYS = {
  /** A session, by id (`RedisSessionStore`). */
  session: 'sess:',
  /** Sessions by recency of use: the least recently used goes first past the cap. */
  sessionRecency: 'sess-recency',
  /** The counter that orders session uses. */
  sessionUses: 'sess-uses',
  /** A user's sessions, by username. */
  sessionUser: 'sess-user:',
  /** A user, by username (`RedisUserStore`). */
  user: 'user:',
  /** The usernames the users file gave. */
  usersFile: 'users-file',
  /** Failed attempts, by username or address (`RedisLockoutStore`). */
  lockout: 'lockout:',
  /** A refresh token, by digest (`RedisRefreshTokenStore`). */
  refreshToken: 'rt:',
  /** A refresh-token family's tokens, by family id. */
  refreshFamily: 'rt-family:',
  /** A user's refresh-token families, by username. */
  refreshUser: 'rt-user:',
  /** A cached page, by name (`RedisPageStore`). */
  page: 'page:',
  /** Page names by recency. */
  pageNames: 'page-names',
  /** The bytes all pages hold. */
  pageBytes: 'page-bytes',
  /** Pages still live, for the cap. */
  pageLive: 'page-live',
  /** The capture bins (`RedisCaptureStore`). */
  captureBins: 'capture:bins',
  /** The feed stream that mints hit ids. */
  captureFeed: 'capture:feed',
  /** A bin's settings, by id. */
  captureBin: 'capture:bin:',
  /** A bin's hits (a stream), by id. */
  captureHits: 'capture:hits:',
} as const;

/** The name of one of {@link KEYS}. */
export type KeyName = keyof typeof KEYS;

/**
 * A store kept in Redis: checks its options (`sendCommand`, `prefix`), and
 * runs its scripts and commands so that any failure is a
 * `StoreUnavailableError` naming it (503 with `Retry-After`), never a crash.
 */
export abstract class RedisStore {
  protected readonly send: SendCommand;
  protected readonly prefix: string;
  readonly #what: string;

  /** `name` is the class, for option errors; `what` the store, for failures (`'session store'`). */
  protected constructor(name: string, what: string, options: unknown) {
    const { send, prefix } = redisOptions(name, options);
    this.send = send;
    this.prefix = prefix;
    this.#what = what;
  }

  /** The key `name` (of {@link KEYS}) under this store's prefix, followed by `item`. */
  protected key(name: KeyName, item = ''): string {
    return `${this.prefix}${KEYS[name]}${item}`;
  }

  /** Runs one of the store's scripts (atomic, one round trip). */
  protected run(
    script: RedisScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    return script.run(this.send, this.#what, keys, args);
  }

  /** Sends one plain command. */
  protected command(args: string[]): Promise<unknown> {
    return command(this.send, this.#what, args);
  }

  /** Reads a reply with `parse`; a value this store did not write is a failure, not a crash. */
  protected parse<T>(reply: unknown, parse: (reply: unknown) => T): T {
    return parseReply(this.#what, reply, parse);
  }
}
