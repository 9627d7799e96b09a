// The shared Redis plumbing of the Redis stores: the client-agnostic sendCommand, Lua scripts (EVALSHA, NOSCRIPT retry), the key prefix, errors.
import { createHash } from 'node:crypto';
import { ConfigError, HttpError } from '../shared/errors';
import { show } from '../shared/options';

/**
 * Sends one Redis command and resolves to its reply, as the client gives it
 * (strings, numbers, arrays, `null`). Every store takes one, so any client
 * will do:
 *
 * ```ts
 * // node-redis
 * const sendCommand = (args: string[]) => client.sendCommand(args);
 * // ioredis
 * const sendCommand = (args: string[]) => redis.call(args[0]!, ...args.slice(1));
 * ```
 */
export type SendCommand = (args: string[]) => Promise<unknown>;

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
  return { send: options.sendCommand, prefix };
}

/**
 * A Lua script, run with EVALSHA by its SHA-1; when Redis does not know it
 * (a fresh or restarted server: NOSCRIPT) it is loaded once and run again.
 * Each store operation is one script, so it is atomic in Redis and one round
 * trip. Scripts return flat arrays of strings and integers, which every
 * client and protocol version reads alike.
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
    try {
      return await send(['EVALSHA', this.sha, ...tail]);
    } catch (err) {
      if (!/NOSCRIPT/i.test(String((err as Error)?.message ?? err))) {
        throw new StoreUnavailableError(store, err);
      }
    }
    try {
      await send(['SCRIPT', 'LOAD', this.source]);
      return await send(['EVALSHA', this.sha, ...tail]);
    } catch (err) {
      throw new StoreUnavailableError(store, err);
    }
  }
}

/** Sends a plain command; any failure becomes a {@link StoreUnavailableError}. */
export async function command(send: SendCommand, store: string, args: string[]): Promise<unknown> {
  try {
    return await send(args);
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
