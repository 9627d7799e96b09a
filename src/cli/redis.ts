// The command's Redis: one ioredis client per process (of one Redis, a Redis Cluster, or a Sentinel-watched master), the stores on it, and the users file loaded into the shared user store.
import type IORedis from 'ioredis';
import type { Cluster } from 'ioredis';
import { userRecords, verifyPassword, type UserEntry } from '../accounts';
import { redisStores, type RedisStores } from '../redis-stores';
import { KEYS } from '../redis/store';
import { parseRedisUrl, redactUrl, type RedisTarget } from './redis-url';

export { redactUrl } from './redis-url';

/** How long a command may wait for Redis before the request gets a 503. */
const COMMAND_TIMEOUT_MS = 2000;
/** How long the command waits for Redis at start before it says it cannot reach it. */
const START_DEADLINE_MS = 10_000;
/** How often each process looks whether Redis lost its state (came back empty, or was flushed). */
const STATE_CHECK_MS = 5000;

/** The stores in Redis, and how to let go of them. */
export interface CommandStores {
  stores: RedisStores;
  /** Closes the connection (waits for commands in flight). */
  close(): Promise<void>;
}

/** Why Redis could not be reached (or would not take writes) at start, for the exit code: 1. */
export class RedisUnreachableError extends Error {}

/**
 * What happens to the command's Redis, as said to the operator: it went
 * away (`down`), is back (`up`), refuses what the stores ask for a reason
 * the operator must fix (`refused`: a replica, a cluster node given as one
 * Redis, …), or came back without the state it held (`lost`).
 */
export type RedisState = 'down' | 'up' | 'refused' | 'lost';

/** Options of {@link connectStores}. */
export interface ConnectOptions {
  /** `--redis`: `redis://`, `rediss://`, `redis+cluster://` or `redis+sentinel://`. */
  url: string;
  prefix: string;
  /** Told once per change of state. */
  onState(message: string, state: RedisState): void;
  /**
   * Redis came back empty (its state mark gone): reloads what the command
   * loads (the users file), and says what more to tell. Run on the one
   * process that saw it first.
   */
  onLost?(): Promise<string | undefined>;
  /** Whether to check now that Redis answers and takes writes (a primary, a single process); a worker serves through an outage. Defaults to `true`. */
  waitForRedis?: boolean;
}

/**
 * Why Redis refused a command, in one line naming the cause and the fix,
 * when the operator must act; `undefined` for an outage (it heals itself)
 * or a refusal the stores answer themselves.
 */
export function refusal(err: unknown, shown: string): string | undefined {
  const node = (err as { lastNodeError?: Error } | undefined)?.lastNodeError;
  if (node && node !== err) {
    const why = refusal(node, shown);
    if (why) return why;
  }
  // ioredis's Cluster wraps the reply it gave up on: "… Last error: ReplyError: CLUSTERDOWN …".
  const message = String((err as Error)?.message ?? err);
  const text = /Last error: (?:\w*Error: )?(.*)$/s.exec(message)?.[1] ?? message;
  if (/^READONLY/.test(text)) {
    return `Redis at ${shown} refuses writes: it is a read-only replica (READONLY). Point --redis at the master, or at its Sentinels (redis+sentinel://HOST:26379,…/MASTER) to follow failovers`;
  }
  if (/^(MOVED|ASK) /.test(text)) {
    return `Redis at ${shown} is one node of a Redis Cluster and holds only some keys (${text.split(' ')[0]}). Give the cluster: --redis redis+cluster://HOST:PORT,HOST:PORT`;
  }
  if (/\bCLUSTERDOWN\b/.test(text)) {
    return `the Redis Cluster at ${shown} is down (CLUSTERDOWN): some hash slots have no master; requests that need them get 503 until it is whole again`;
  }
  if (/^(NOAUTH|WRONGPASS|NOPERM)/.test(text)) {
    return `Redis at ${shown} refuses the command's credentials (${text.split(' ')[0]}): give the user and password in the URL (redis://USER:PASSWORD@HOST:PORT)`;
  }
  if (/^OOM/.test(text)) {
    return `Redis at ${shown} is out of memory (OOM, its maxmemory) and refuses writes: raise maxmemory or free it`;
  }
  if (/^MISCONF/.test(text)) {
    return `Redis at ${shown} refuses writes because it cannot save its snapshot (MISCONF): fix its disk, or its "save" setting`;
  }
  return undefined;
}

/** The ioredis client for a target: one Redis, a Cluster, or a master through its Sentinels. */
function clientFor(target: RedisTarget, lazyConnect: boolean): IORedis | Cluster {
  // Loaded only with --redis: a library user (and a command without it) never loads ioredis.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Redis = (require('ioredis') as { default: typeof IORedis }).default;
  const timeouts = {
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
  };
  const retry = (times: number) => Math.min(times * 200, 2000);
  if (target.kind === 'single') {
    return new Redis(target.url, {
      lazyConnect,
      enableOfflineQueue: false,
      retryStrategy: retry,
      ...timeouts,
    });
  }
  const auth = {
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
  };
  if (target.kind === 'cluster') {
    return new Redis.Cluster(target.nodes, {
      lazyConnect,
      enableOfflineQueue: false,
      clusterRetryStrategy: retry,
      slotsRefreshTimeout: COMMAND_TIMEOUT_MS,
      // A cluster that is down answers a request with 503 in about a fifth
      // of a second, not after 16 redirections.
      maxRedirections: 6,
      retryDelayOnClusterDown: 40,
      retryDelayOnTryAgain: 40,
      redisOptions: { ...auth, ...timeouts, ...(target.tls ? { tls: {} } : {}) },
    });
  }
  return new Redis({
    sentinels: target.sentinels,
    name: target.name,
    db: target.db,
    ...auth,
    ...(target.sentinelPassword !== undefined ? { sentinelPassword: target.sentinelPassword } : {}),
    ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
    // The Sentinels say when the master changes; a master that became a
    // replica answers READONLY until the connection moves to the new one.
    failoverDetector: true,
    reconnectOnError: (err) => (/^READONLY/.test(err.message) ? 2 : false),
    lazyConnect,
    enableOfflineQueue: false,
    retryStrategy: retry,
    sentinelRetryStrategy: retry,
    ...timeouts,
  });
}

/**
 * Connects to Redis (one server, a Redis Cluster, or the master its
 * Sentinels name) and gives the stores on it. The client never queues a
 * command while Redis is away (a request gets a 503 at once, not a hang),
 * gives up on a command after 2 s, and reconnects on its own (to the new
 * master after a Sentinel failover), so the stores serve from Redis again
 * as soon as it is back. Rejects with {@link RedisUnreachableError} when
 * Redis cannot be reached now or refuses to take writes.
 */
export async function connectStores(options: ConnectOptions): Promise<CommandStores> {
  const { prefix, onState, onLost } = options;
  const waitForRedis = options.waitForRedis ?? true;
  const target = parseRedisUrl(options.url);
  const shown = redactUrl(options.url);
  const client = clientFor(target, waitForRedis);
  const stateKey = `${prefix}${KEYS.state}`;
  // An outage is reported once when the connection goes and once when it is
  // back, not once per reconnection attempt; at start, by the rejection.
  let firstError: Error | undefined;
  let connected = false;
  let down = false;
  let closing = false;
  /** Refusals said since Redis was last back: each once. */
  const said = new Set<string>();
  const sayRefusal = (err: unknown) => {
    const why = refusal(err, shown);
    if (why === undefined || said.has(why)) return;
    said.add(why);
    onState(why, 'refused');
  };
  const lost = () => {
    if (!connected || down || closing) return;
    down = true;
    onState(
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
    const back = down;
    connected = true;
    down = false;
    if (!back) return;
    said.clear();
    onState(`Redis at ${shown} is back`, 'up');
    void checkState();
  });
  /**
   * A Redis (or, on a cluster, the master that holds the mark) that lost
   * its state mark came back empty, or was flushed: the first process to
   * mark it again reloads. Asked after an outage and every few seconds (a
   * cluster's master can restart without the client seeing an outage).
   */
  let checking = false;
  const checkState = async () => {
    if (checking || closing) return;
    checking = true;
    try {
      const marked = await client.call('SET', stateKey, String(Date.now()), 'NX');
      if (marked !== 'OK') return;
      try {
        const more = await onLost?.();
        onState(
          `Redis at ${shown} came back empty (restarted without persistence, or flushed): the sessions, pages, tokens, lockout counts and capture bins it held are gone${more ? `; ${more}` : ''}`,
          'lost',
        );
      } catch (err) {
        // Not reloaded (Redis went again): the next look tries again.
        await client.call('DEL', stateKey).catch(() => undefined);
        throw err;
      }
    } catch (err) {
      sayRefusal(err);
    } finally {
      checking = false;
    }
  };
  const watchState = setInterval(() => void checkState(), STATE_CHECK_MS);
  watchState.unref();
  if (waitForRedis) {
    try {
      await withDeadline(client.connect(), START_DEADLINE_MS, () => firstError);
      if (
        target.kind === 'single' &&
        /cluster_enabled:1/.test(String(await client.call('INFO', 'cluster').catch(() => '')))
      ) {
        throw new RedisUnreachableError(
          `Redis at ${shown} is one node of a Redis Cluster and holds only some keys. Give the cluster: --redis redis+cluster://HOST:PORT,HOST:PORT`,
        );
      }
      // Marks the state as loaded, and shows now that Redis takes writes.
      await client.call('SET', stateKey, String(Date.now()));
    } catch (err) {
      clearInterval(watchState);
      client.disconnect();
      if (err instanceof RedisUnreachableError) throw err;
      const cause = causeOf(err, firstError);
      throw new RedisUnreachableError(
        refusal(cause, shown) ?? `cannot reach Redis at ${shown}: ${cause.message}`,
      );
    }
  } else {
    // A worker its primary started once Redis answered: it serves (503s where
    // Redis is needed) until Redis answers again, however long that takes.
    connected = true;
  }
  // The capture feed's blocking reads hold a connection of their own.
  const duplicate = () => {
    const connection =
      target.kind === 'cluster'
        ? (client as Cluster).duplicate([], { lazyConnect: false })
        : (client as IORedis).duplicate({ lazyConnect: false });
    connection.on('error', () => undefined);
    return connection;
  };
  const blocking = duplicate();
  // And requests waiting for a page (?wait=), theirs.
  const pageBlocking = duplicate();
  // Neither client queues a command, so a request that came before a
  // connection opened would get a 503 with Redis up: the process listens
  // once each has opened, or failed once (then it serves 503s until Redis is back).
  await Promise.all([client, blocking, pageBlocking].map(firstAnswer));
  /** Sends a command; a refusal the operator must fix is said (once until Redis is back). */
  const through =
    (one: IORedis | Cluster) =>
    async (args: string[]): Promise<unknown> => {
      try {
        return await one.call(args[0]!, ...args.slice(1));
      } catch (err) {
        sayRefusal(err);
        throw err;
      }
    };
  const stores = redisStores({
    sendCommand: through(client),
    blockingCommand: through(blocking),
    pageBlockingCommand: through(pageBlocking),
    prefix,
  });
  // Every store made ready before the first request, and released at stop.
  const every = Object.values(stores) as { init?(): unknown; close?(): unknown }[];
  await Promise.all(every.map((store) => store.init?.()));
  return {
    stores,
    async close() {
      closing = true;
      clearInterval(watchState);
      await Promise.all(every.map((store) => store.close?.()));
      blocking.disconnect();
      pageBlocking.disconnect();
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}

/**
 * Settles when `client` is ready, has failed to connect once, or has not
 * answered within the start deadline (a cluster that is down may say
 * neither); it never rejects.
 */
function firstAnswer(client: IORedis | Cluster): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const settle = () => {
      clearTimeout(timer);
      client.off('ready', settle);
      client.off('error', settle);
      resolve();
    };
    const timer = setTimeout(settle, START_DEADLINE_MS);
    client.on('ready', settle);
    client.on('error', settle);
  });
}

/** Rejects when `work` has not settled within `ms`, with the last error seen (or a timeout). */
function withDeadline<T>(work: Promise<T>, ms: number, last: () => Error | undefined): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const seen = last();
      reject(
        new Error(`no answer within ${ms / 1000} s${seen ? ` (last: ${errorText(seen)})` : ''}`),
      );
    }, ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** What an error says, with what a cluster client saw last from its nodes. */
function errorText(err: Error): string {
  const node = (err as { lastNodeError?: Error }).lastNodeError;
  return node ? `${err.message}: ${node.message}` : err.message;
}

/** The error that says why a start failed: the node's own, when a cluster client has one. */
function causeOf(err: unknown, first: Error | undefined): Error {
  const error = err instanceof Error ? err : new Error(String(err));
  const node = (error as { lastNodeError?: Error }).lastNodeError;
  if (node) return node;
  // A refusal seen while connecting (a wrong password) says more than the rejection.
  if (first && refusal(first, '') !== undefined) return first;
  return refusal(error, '') !== undefined ? error : (first ?? error);
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
