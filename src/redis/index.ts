// The shared Redis plumbing of the Redis stores: the client-agnostic sendCommand, Lua scripts (EVALSHA, NOSCRIPT retry), the key prefix and hash tags, errors.
import { createHash } from 'node:crypto';
import { ConfigError, HttpError } from '../shared/errors';
import { show } from '../shared/options';

/**
 * Where a command goes on a Redis Cluster: the first key it touches (every
 * key of one store command is in that key's hash slot), or `undefined` for
 * a command with no key, and whether it only reads.
 */
export interface CommandRoute {
  key: string | undefined;
  isReadOnly: boolean;
}

/**
 * Sends one Redis command and resolves to its reply, as the client gives it
 * (strings, numbers, arrays, `null`). Every store takes one, so any client
 * will do:
 *
 * ```ts
 * // node-redis
 * const sendCommand = (args: string[]) => client.sendCommand(args);
 * // ioredis, and ioredis's Cluster (it finds the key itself)
 * const sendCommand = (args: string[]) => redis.call(args[0]!, ...args.slice(1));
 * // node-redis createCluster(): it routes by the key it is given
 * const sendCommand: SendCommand = (args, { key, isReadOnly }) =>
 *   cluster.sendCommand(key, isReadOnly, args);
 * ```
 */
export type SendCommand = (args: string[], route: CommandRoute) => Promise<unknown>;

/** Options every Redis store takes. */
export interface RedisStoreOptions {
  /** Sends a command to Redis (see {@link SendCommand}). Required. */
  sendCommand: SendCommand;
  /** Prepended to every key, so several servers (or apps) can share one Redis. Defaults to `'mixnmatch:'`. */
  prefix?: string;
}

/** How long a client is told to wait after a 503 from an unavailable store, in seconds. */
const RETRY_AFTER = '5';

/**
 * The 503 for a store that cannot answer: Redis down or unreachable, a
 * command that timed out, or a value in Redis that this store did not write.
 * The request fails; the process goes on, and serves from Redis again once
 * it answers.
 */
export class StoreUnavailableError extends HttpError {
  constructor(store: string, cause: unknown) {
    super(503, `The ${store} is unavailable; try again shortly.`, {
      headers: { 'Retry-After': RETRY_AFTER },
      cause,
    });
  }
}

/** Checks the options of a Redis store and gives its `sendCommand` and key prefix. */
export function redisOptions(store: string, given: unknown): { send: SendCommand; prefix: string } {
  const example = `new ${store}({ sendCommand: (args) => client.sendCommand(args) })`;
  const options = (given ?? {}) as Partial<RedisStoreOptions>;
  if (typeof options.sendCommand !== 'function') {
    throw new ConfigError(
      store,
      `"sendCommand" must be a function sending one command to Redis (got ${show(options.sendCommand)}).`,
      example,
      'sendCommand',
    );
  }
  const prefix = options.prefix ?? 'mixnmatch:';
  if (typeof prefix !== 'string') {
    throw new ConfigError(
      store,
      `"prefix" must be a string (got ${show(prefix)}).`,
      example,
      'prefix',
    );
  }
  if (!wholeTag(prefix)) {
    throw new ConfigError(
      store,
      `"prefix" may hold a "{" only as a whole hash tag ("app{1}:", which puts every key in one slot of a cluster), not ${show(prefix)}: the stores tag each item's keys themselves.`,
      example,
      'prefix',
    );
  }
  return { send: options.sendCommand, prefix };
}

/**
 * Whether a prefix leaves the stores' own hash tags alone: no `{`, or a
 * first `{` closed by a `}` with something between, within the prefix (then
 * that tag is every key's, and every key is in one slot).
 */
function wholeTag(prefix: string): boolean {
  const open = prefix.indexOf('{');
  if (open === -1) return true;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1;
}

/**
 * The hash slot of `key` in a Redis Cluster: CRC16 (XMODEM) of its hash tag
 * (what is between its first `{` and the next `}`, when not empty) or of
 * the whole key, modulo 16384.
 */
export function keySlot(key: string): number {
  let bytes = Buffer.from(key);
  const open = bytes.indexOf(0x7b);
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  return crc16(bytes) % 16384;
}

/** Which of `count` shards `item` (an id or name) is kept in: spread evenly, the same on every process. */
export function shardOf(item: string, count: number): number {
  return Math.floor((crc16(Buffer.from(item)) * count) / 65536);
}

/** CRC16 (XMODEM), the checksum of Redis Cluster's key slots. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}

const spread = new Map<number, string[]>();

/**
 * `count` hash tags whose slots lie evenly over a cluster's 16384 (the
 * `i`th in the `i`th of `count` equal ranges), so keys kept in `count`
 * shards land on every master of a cluster alike. The same on every
 * process and every run.
 */
export function spreadTags(count: number): readonly string[] {
  let tags = spread.get(count);
  if (tags) return tags;
  tags = [];
  for (let i = 0; i < count; i++) {
    const low = Math.floor((i * 16384) / count);
    const high = Math.floor(((i + 1) * 16384) / count);
    for (let n = 0; ; n++) {
      const slot = keySlot(`${i}.${n}`);
      if (slot >= low && slot < high) {
        tags.push(`${i}.${n}`);
        break;
      }
    }
  }
  spread.set(count, tags);
  return tags;
}

/**
 * A Lua script, run with EVALSHA by its SHA-1; when the node that holds its
 * keys does not know it (a fresh or restarted server, or a cluster node that
 * never ran it: NOSCRIPT) it is run once with EVAL, which carries the keys
 * (so a cluster client routes it to that node) and leaves the script known
 * there. Each store operation is one script, so it is atomic in Redis and
 * one round trip; every key it touches is in the hash slot of its first key.
 * Scripts return flat arrays of strings and integers, which every client and
 * protocol version reads alike.
 */
export class RedisScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** Runs the script with `keys` and `args`; any failure becomes a {@link StoreUnavailableError}. */
  async run(
    send: SendCommand,
    store: string,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args.map(String)];
    const route = { key: keys[0], isReadOnly: false };
    try {
      return await send(['EVALSHA', this.sha, ...tail], route);
    } catch (err) {
      if (!/NOSCRIPT/i.test(String((err as Error)?.message ?? err))) {
        throw new StoreUnavailableError(store, err);
      }
    }
    try {
      return await send(['EVAL', this.source, ...tail], route);
    } catch (err) {
      throw new StoreUnavailableError(store, err);
    }
  }
}

/**
 * Whether a store's failure is Redis's answer refusing the command (an
 * error reply: it did not run, or its script stopped with an error), not a
 * connection lost or a timeout, after which it may have run.
 */
export function refusedByRedis(err: unknown): boolean {
  const cause = err instanceof StoreUnavailableError ? err.cause : err;
  const name = (cause as Error | undefined)?.name;
  return name === 'ReplyError' || name === 'ErrorReply' || name === 'SimpleError';
}

/** Commands the stores send outside scripts that only read. */
const READS = new Set([
  'GET',
  'HGET',
  'HMGET',
  'SMEMBERS',
  'XRANGE',
  'XREVRANGE',
  'XREAD',
  'ZRANGE',
]);

/**
 * Sends a plain command whose key (for a cluster's routing) is `key`, or
 * `args[1]` when not given; any failure becomes a {@link StoreUnavailableError}.
 */
export async function command(
  send: SendCommand,
  store: string,
  args: string[],
  key: string | undefined = args[1],
): Promise<unknown> {
  try {
    return await send(args, { key, isReadOnly: READS.has(args[0]!) });
  } catch (err) {
    throw new StoreUnavailableError(store, err);
  }
}

/** A reply as a string, or `undefined` for none; anything else is a value this store did not write. */
export function replyString(reply: unknown): string | undefined {
  if (reply === null || reply === undefined) return undefined;
  if (typeof reply === 'string') return reply;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  throw new TypeError(`unexpected reply ${show(reply)}`);
}

/** A reply as an integer (Redis integers may come as numbers, strings or bigints). */
export function replyInteger(reply: unknown): number {
  if (typeof reply === 'number') return reply;
  if (typeof reply === 'bigint') return Number(reply);
  const text = replyString(reply);
  const value = Number(text);
  if (text === undefined || text === '' || !Number.isFinite(value)) {
    throw new TypeError(`unexpected reply ${show(reply)}`);
  }
  return value;
}

/** A reply as an array, the shape every script here returns. */
export function replyArray(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) throw new TypeError(`unexpected reply ${show(reply)}`);
  return reply;
}

/**
 * Reads a reply with `parse`; a reply this store did not write (a value some
 * other program put under its key) is a {@link StoreUnavailableError}, never
 * a crash.
 */
export function parseReply<T>(store: string, reply: unknown, parse: (reply: unknown) => T): T {
  try {
    return parse(reply);
  } catch (err) {
    throw new StoreUnavailableError(store, err);
  }
}
