// The command's Redis: one ioredis client per process, the stores on it, and the users file loaded into the shared user store.
import type IORedis from 'ioredis';
import { userRecords, verifyPassword, type UserEntry } from '../accounts';
import { redisStores, type RedisStores } from '../redis-stores';

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
  onError: (message: string, state: 'down' | 'up') => void,
  waitForRedis = true,
): Promise<CommandStores> {
  const shown = redactUrl(url);
  // Loaded only with --redis: a library user (and a command without it) never loads ioredis.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Redis = (require('ioredis') as { default: typeof IORedis }).default;
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
    onError(
      `Redis at ${shown} is unreachable; requests that need it get 503 until it is back`,
      'down',
    );
  };
  client.on('error', (err: Error) => {
    firstError ??= err;
    // A connection refused before one ever opened (a worker started during an outage).
    lost();
  });
  client.on('close', lost);
  client.on('ready', () => {
    if (down) onError(`Redis at ${shown} is back`, 'up');
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
  // The capture feed's blocking reads hold a connection of their own.
  const blocking = client.duplicate({ lazyConnect: false });
  blocking.on('error', () => undefined);
  // Neither client queues a command, so a request that came before a
  // connection opened would get a 503 with Redis up: the process listens
  // once each has opened, or failed once (then it serves 503s until Redis is back).
  await Promise.all([client, blocking].map(firstAnswer));
  const stores = redisStores({
    sendCommand: (args) => client.call(args[0]!, ...args.slice(1)),
    blockingCommand: (args) => blocking.call(args[0]!, ...args.slice(1)),
    prefix,
    ...(maxSessions !== undefined ? { maxSessions } : {}),
  });
  // Every store made ready before the first request, and released at stop.
  const every = Object.values(stores) as { init?(): unknown; close?(): unknown }[];
  await Promise.all(every.map((store) => store.init?.()));
  return {
    stores,
    async close() {
      closing = true;
      await Promise.all(every.map((store) => store.close?.()));
      blocking.disconnect();
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

/** Settles when `client` is ready or has failed to connect once (it never rejects). */
function firstAnswer(client: IORedis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const settle = () => {
      client.off('ready', settle);
      client.off('error', settle);
      resolve();
    };
    client.on('ready', settle);
    client.on('error', settle);
  });
}

/** What loading a users file changed in the shared store, by user name. */
export interface UsersLoad {
  /** Registered accounts the file names now: the file's password and roles replaced them. */
  replaced: string[];
  /** Users whose password the file changed since the last load. */
  reset: string[];
  /** Users who have other roles in the file now. */
  roles: string[];
  /** Users of an earlier load the file no longer holds: removed. */
  removed: string[];
}

/**
 * Loads the users of a users file into the shared user store. The file is
 * the operator's word: a user it names has the file's password and roles.
 * Loaded again, it undoes nothing that happened since but what it changed
 * itself:
 * - a user not there yet is created (a plain password hashed here);
 * - a user of an earlier load keeps a password changed through
 *   `/changepwd`, unless the file's own entry for it changed since; new
 *   roles from the file are taken;
 * - a registered account of a name the file gives is replaced by the file's
 *   user (an account someone registered must not gain the roles an
 *   operator gives that name later, nor keep the registrant's password);
 * - a user of an earlier load that the file no longer holds is removed.
 * Every user that changed has its sessions and refresh tokens ended, so its
 * next login carries what the file says.
 */
export async function loadUsers(
  stores: RedisStores,
  entries: readonly UserEntry[],
): Promise<UsersLoad> {
  const load: UsersLoad = { replaced: [], reset: [], roles: [], removed: [] };
  const end = async (username: string) => {
    await stores.sessions.deleteUser(username);
    await stores.refreshTokens.revokeUser(username);
  };
  const records = userRecords(entries);
  for (const [i, record] of records.entries()) {
    const entry = entries[i]!;
    const state = await stores.users.getFileUser(record.username);
    if (state === undefined) {
      await stores.users.setFileUser(record, record.passwordHash);
      continue;
    }
    const { user, fileHash } = state;
    const same =
      fileHash !== undefined &&
      (entry.passwordHash !== undefined
        ? fileHash === entry.passwordHash
        : await verifyPassword(entry.password!, fileHash));
    if (!same) {
      // A registered account, or a password the operator changed in the file.
      await stores.users.setFileUser(record, record.passwordHash);
      await end(record.username);
      (fileHash === undefined ? load.replaced : load.reset).push(record.username);
      continue;
    }
    const sameRoles =
      user.roles.length === record.roles.length &&
      user.roles.every((role, j) => role === record.roles[j]);
    if (sameRoles) continue;
    await stores.users.update(record.username, { roles: record.roles });
    await end(record.username);
    load.roles.push(record.username);
  }
  const names = new Set(records.map((record) => record.username));
  for (const name of await stores.users.fileUsernames()) {
    if (names.has(name)) continue;
    if (await stores.users.delete(name)) load.removed.push(name);
    await end(name);
  }
  await stores.users.setFileUsernames([...names]);
  return load;
}
