// The base every Redis store shares: its client, its key prefix, the names of its keys, its scripts and how their failures read.
import { command, parseReply, redisOptions, type RedisScript, type SendCommand } from '.';

/**
 * Every key mixnmatch keeps in Redis, by the name the stores use, as it
 * follows the prefix. One list, so no two stores can collide and an
 * operator can read what a prefix holds. A name ending in `:` is followed by
 * an item (an id, a name, a digest); one marked `{tag}` is followed by a
 * hash tag in braces (`sess:{4.2}:<id>`), which puts the keys one store
 * operation touches in one hash slot of a Redis Cluster while different
 * items spread over its masters (see docs/instances.md).
 */
export const KEYS = {
  /** A session, by shard tag and id (`RedisSessionStore`): `sess:{shard}:<id>`. */
  session: 'sess:',
  /** A shard's sessions by recency of use: the least recently used goes first past the shard's share of the cap. `sess-recency:{shard}`. */
  sessionRecency: 'sess-recency:',
  /** The counter that orders a shard's session uses. `sess-uses:{shard}`. */
  sessionUses: 'sess-uses:',
  /** A user's sessions, by username: `sess-user:{name}`. */
  sessionUser: 'sess-user:',
  /** A user, by username (`RedisUserStore`). */
  user: 'user:',
  /** The usernames the users file gave. */
  usersFile: 'users-file',
  /** Failed attempts, by username or address (`RedisLockoutStore`). */
  lockout: 'lockout:',
  /** A refresh token, by family and digest (`RedisRefreshTokenStore`): `rt:{family}:<digest>`. */
  refreshToken: 'rt:',
  /** The family of a refresh token, by digest: `rt-digest:{digest}`. */
  refreshDigest: 'rt-digest:',
  /** A refresh-token family's tokens, by family id: `rt-family:{family}`. */
  refreshFamily: 'rt-family:',
  /** A family that was revoked (no token joins it again): `rt-revoked:{family}`. */
  refreshRevoked: 'rt-revoked:',
  /** A user's refresh-token families, by username: `rt-user:{name}`. */
  refreshUser: 'rt-user:',
  /** A cached page, by name (`RedisPageStore`): `page:{name}`. */
  page: 'page:',
  /** A page name that was saved (names stay taken): `page-name:{name}`. */
  pageName: 'page-name:',
  /** The bytes all pages hold and the names taken (a hash), in one slot of their own. */
  pageTotals: 'page-totals:{pages}',
  /** Names whose page is still there, for clearing them all. */
  pageLive: 'page-live:{pages}',
  /** Saves that reserved their bytes and have not finished, by when they began. */
  pagePending: 'page-pending:{pages}',
  /** The names saved, as they are (a stream every process reads, for requests waiting on a name). */
  pageSaves: 'page-saves:{pages}',
  /** The capture bins (`RedisCaptureStore`). Every capture key is in one slot: the feed orders every hit. */
  captureBins: 'capture:{capture}:bins',
  /** The feed stream that mints hit ids. */
  captureFeed: 'capture:{capture}:feed',
  /** A bin's settings, by id. */
  captureBin: 'capture:{capture}:bin:',
  /** A bin's hits (a stream), by id. */
  captureHits: 'capture:{capture}:hits:',
  /** What the command wrote when it loaded its state: gone when Redis came back empty. */
  state: 'state',
} as const;

/** The name of one of {@link KEYS}. */
export type KeyName = keyof typeof KEYS;

/**
 * An item as a hash tag: never empty and without a brace (`%`, `{` and `}`
 * percent-encoded, and `%` for the empty item), so the tag is exactly what
 * is between the braces and every key of one item is in one slot, whatever
 * the item; and two items never share a key.
 */
export function hashTag(item: string): string {
  if (item === '') return '%';
  return /[%{}]/.test(item)
    ? item.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    : item;
}

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

  /**
   * The key `name` with the hash tag `tag` (`sess:{tag}`), followed by
   * `:item` when given: every key of one tag is in one hash slot.
   */
  protected tagged(name: KeyName, tag: string, item?: string): string {
    return `${this.prefix}${KEYS[name]}{${hashTag(tag)}}${item === undefined ? '' : `:${item}`}`;
  }

  /** Runs one of the store's scripts (atomic, one round trip). */
  protected run(
    script: RedisScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    return script.run(this.send, this.#what, keys, args);
  }

  /** Sends one plain command (its key, for a cluster's routing, `args[1]`). */
  protected command(args: string[]): Promise<unknown> {
    return command(this.send, this.#what, args);
  }

  /** Reads a reply with `parse`; a value this store did not write is a failure, not a crash. */
  protected parse<T>(reply: unknown, parse: (reply: unknown) => T): T {
    return parseReply(this.#what, reply, parse);
  }
}
