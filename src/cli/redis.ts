// The command's Redis: one ioredis client per process, the stores on it, and the users file loaded into the shared user store.
import Redis from 'ioredis';
import { userRecords } from '../auth/options';
import { redisStores, type RedisStores } from '../redis-stores';
import type { UserEntry } from '../auth/options';

/** How long a command may wait for Redis before the request gets a 503. */
const COMMAND_TIMEOUT_MS = 2000;

/** The stores in Redis, and how to let go of them. */
export interface CommandStores {
  stores: RedisStores;
  /** Closes the connection (waits for commands in flight). */
  close(): Promise<void>;
}

/** A Redis URL to print: its password (and user) left out. */
export function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)[^@/]*@/i, '$1***@');
}

/** Why Redis could not be reached at start, for the exit code: 1. */
export class RedisUnreachableError extends Error {}

/**
 * Connects to Redis at `url` and gives the stores on it. The client never
 * queues a command while Redis is away (a request gets a 503 at once, not a
 * hang), gives up on a command after 2 s, and reconnects on its own, so
 * the stores serve from Redis again as soon as it is back. Rejects with
 * {@link RedisUnreachableError} when Redis cannot be reached now.
 */
export async function connectStores(
  url: string,
  prefix: string,
  maxSessions: number | undefined,
  onError: (message: string) => void,
  waitForRedis = true,
): Promise<CommandStores> {
  const shown = redactUrl(url);
  const client = new Redis(url, {
    // Waiting: connect() below says whether Redis answers. Not waiting: connect
    // at once, and keep trying, as after any outage.
    lazyConnect: waitForRedis,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  // An outage is reported once when the connection goes and once when it is
  // back, not once per reconnection attempt; at start, by the rejection.
  let firstError: Error | undefined;
  let connected = false;
  let down = false;
  let closing = false;
  const lost = () => {
    if (!connected || down || closing) return;
    down = true;
    onError(`Redis at ${shown} is unreachable; requests that need it get 503 until it is back`);
  };
  client.on('error', (err: Error) => {
    firstError ??= err;
    // A connection refused before one ever opened (a worker started during an outage).
    lost();
  });
  client.on('close', lost);
  client.on('ready', () => {
    if (down) onError(`Redis at ${shown} is back`);
    connected = true;
    down = false;
  });
  if (waitForRedis) {
    try {
      await client.connect();
    } catch (err) {
      client.disconnect();
      throw new RedisUnreachableError(
        `cannot reach Redis at ${shown}: ${(firstError ?? (err as Error)).message}`,
      );
    }
  } else {
    // A worker its primary started once Redis answered: it serves (503s where
    // Redis is needed) until Redis answers again, however long that takes.
    connected = true;
  }
  const stores = redisStores({
    sendCommand: (args) => client.call(args[0]!, ...args.slice(1)),
    prefix,
    ...(maxSessions !== undefined ? { maxSessions } : {}),
  });
  return {
    stores,
    async close() {
      closing = true;
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

/**
 * Loads the users of a users file into the shared user store, without
 * undoing what happened since: a user not there yet is created (a plain
 * password hashed here); a user there already keeps its password hash (a
 * password changed through `/changepwd` survives a restart), and when the
 * file gives other roles, takes those and has its sessions ended, so its
 * next login carries them. Resolves to the names of users whose roles changed.
 */
export async function loadUsers(
  stores: RedisStores,
  entries: readonly UserEntry[],
): Promise<string[]> {
  const changed: string[] = [];
  for (const record of userRecords(entries)) {
    if (await stores.users.create(record)) continue;
    const current = await stores.users.get(record.username);
    if (!current) continue;
    const same =
      current.roles.length === record.roles.length &&
      current.roles.every((role, i) => role === record.roles[i]);
    if (same) continue;
    await stores.users.update(record.username, { roles: record.roles });
    await stores.sessions.deleteUser(record.username);
    changed.push(record.username);
  }
  return changed;
}
