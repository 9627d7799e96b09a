// --workers N: a primary process that forks N workers serving one port with node:cluster, and stops them all cleanly.
import cluster, { type Worker } from 'node:cluster';
import { ConfigError } from '../shared/errors';
import type { ServerConfig } from './args';
import { isReopened, REOPENED, rotatesLogs } from './logs';
import {
  connectStores,
  loadUsers,
  RedisUnreachableError,
  type CommandStores,
  type RedisState,
  type UsersLoad,
} from './redis';
import {
  banner,
  buildApp,
  ConfigurationError,
  describeConfigError,
  commandSecret,
  captureToken,
  selfSignedCertificate,
  type Output,
} from './server';

/** A worker's first message: where it listens. */
interface Listening {
  listening: string[];
  fingerprint: string | undefined;
}

function isStopping(message: unknown): message is { stopping: string } {
  return (
    message !== null &&
    typeof message === 'object' &&
    typeof (message as { stopping?: unknown }).stopping === 'string'
  );
}

/** A worker's word about its Redis (see `RedisState`). */
function isRedisState(message: unknown): message is { redis: RedisState; message: string } {
  const state = (message as { redis?: unknown } | null)?.redis;
  return (
    message !== null &&
    typeof message === 'object' &&
    (state === 'down' || state === 'up' || state === 'refused' || state === 'lost') &&
    typeof (message as { message?: unknown }).message === 'string'
  );
}

function isListening(message: unknown): message is Listening {
  return (
    message !== null &&
    typeof message === 'object' &&
    Array.isArray((message as Listening).listening)
  );
}

/**
 * Loads the users file into the shared user store (see `loadUsers()`), once,
 * before any process serves; a user the file gets wrong is a
 * {@link ConfigurationError} naming `--users`.
 */
export async function loadSharedUsers(
  config: ServerConfig,
  stores: CommandStores,
  output: Output,
): Promise<void> {
  if (config.users === undefined) return;
  let load: UsersLoad;
  try {
    load = await loadUsers(stores.stores, config.users);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigurationError(describeConfigError(err, config));
    throw err;
  }
  const file = config.usersFile;
  const say = (names: string[], what: (name: string) => string) => {
    for (const name of names) output.err(`mixnmatch: ${what(name)}\n`);
  };
  say(
    load.replaced,
    (name) =>
      `user "${name}" was an account registered through /register; ${file} names it, so the file's password and roles replace it (its sessions and tokens were ended)`,
  );
  say(
    load.reset,
    (name) => `user "${name}" has a new password in ${file}; its sessions and tokens were ended`,
  );
  say(load.roles, (name) => `user "${name}" has new roles from ${file}; their sessions were ended`);
  say(
    load.removed,
    (name) => `user "${name}" is no longer in ${file}: removed, its sessions and tokens were ended`,
  );
}

/**
 * The primary of `--workers N`: checks that Redis answers and the
 * configuration is one the app takes, loads the users file into Redis,
 * forks the workers (each runs the whole app on the shared port), prints
 * one summary once they all listen, and on SIGINT/SIGTERM stops them and
 * exits 0 once they have all stopped cleanly. A worker that dies while
 * serving is replaced; one that cannot start stops the command.
 */
export async function runPrimary(
  config: ServerConfig,
  version: string,
  output: Output,
  watchParent: (stop: (why: string) => void) => void,
  reopenErrorLog: () => void,
): Promise<void> {
  // A signal while the primary starts (Redis can take 10 s to answer) is
  // kept for when it can act on it, instead of ending it with its pidfile.
  let early: string | undefined;
  const holdInt = () => (early ??= 'SIGINT');
  const holdTerm = () => (early ??= 'SIGTERM');
  const holdHup = () => reopenErrorLog();
  process.on('SIGINT', holdInt);
  process.on('SIGTERM', holdTerm);
  if (rotatesLogs(config)) process.on('SIGHUP', holdHup);
  const redis = config.redis!;
  let stores: CommandStores;
  try {
    stores = await connectStores({
      url: redis.url,
      prefix: redis.prefix,
      onState: (message) => output.err(`mixnmatch: ${message}\n`),
    });
  } catch (err) {
    if (!(err instanceof RedisUnreachableError)) throw err;
    output.err(`mixnmatch: ${err.message}\n`);
    process.exit(1);
  }
  try {
    // The workers would refuse the same configuration: say so once, here.
    buildApp(config, undefined, stores.stores);
    await loadSharedUsers(config, stores, output);
  } catch (err) {
    if (!(err instanceof ConfigurationError)) throw err;
    output.err(`mixnmatch: ${err.message}\n`);
    process.exit(2);
  } finally {
    // The workers have connections of their own; the primary needs none while they serve.
    await stores.close();
  }
  for (const warning of config.warnings) output.err(`mixnmatch: warning: ${warning}\n`);

  let stopping = false;
  /** The exit code when a worker could not start: the command fails with it. */
  let failure: number | undefined;
  /** When workers were last replaced: a crash loop stops the command. */
  const replaced: number[] = [];
  let listening = 0;
  const workers = new Set<Worker>();
  const finish = () => process.exit(failure ?? 0);
  const stop = (why: string) => {
    if (stopping) {
      if (why !== 'SIGINT' && why !== 'SIGTERM') return;
      output.err(`mixnmatch: ${why} again, stopping the workers now\n`);
      for (const worker of workers) worker.process.kill('SIGKILL');
      process.exit(1);
    }
    stopping = true;
    if (failure === undefined) {
      const stopping = `mixnmatch: ${why}, stopping ${workers.size} workers once requests in flight are done\n`;
      output.out(stopping);
      output.event?.(stopping);
    }
    if (workers.size === 0) return finish();
    for (const worker of workers) worker.process.kill('SIGTERM');
  };

  // One certificate for every worker: a browser sees the same one whichever answers.
  const certificate =
    config.tls && 'generate' in config.tls ? await selfSignedCertificate() : undefined;
  const env: Record<string, string> = certificate
    ? { MIXNMATCH_TLS_KEY: certificate.key, MIXNMATCH_TLS_CERT: certificate.cert }
    : {};
  // One token secret for every worker: a token one signs, another accepts.
  if (config.jwt && config.jwt.key === undefined) {
    env.MIXNMATCH_JWT_SECRET = commandSecret('MIXNMATCH_JWT_SECRET');
  }
  if (config.capture) env.MIXNMATCH_DASHBOARD_SECRET = commandSecret('MIXNMATCH_DASHBOARD_SECRET');
  // One dashboard token for every worker, when one was made.
  const token = captureToken(config);
  if (token !== undefined) env.MIXNMATCH_CAPTURE_TOKEN = token;

  /** The workers asked to reopen their logs that have not said they did. */
  let reopening: Set<Worker> | undefined;
  const reopened = (worker: Worker | undefined) => {
    if (!reopening) return;
    if (worker) reopening.delete(worker);
    if (reopening.size > 0) return;
    reopening = undefined;
    output.err(REOPENED);
  };
  // Redis going and coming back is said once for every worker: when the
  // first loses it, and when the last has it again. A refusal is said once
  // until Redis is back; a loss, by the one worker that saw it first.
  const redisDown = new Set<Worker>();
  const refusals = new Set<string>();
  const fork = () => {
    const worker = cluster.fork(env);
    workers.add(worker);
    let ready = false;
    let leaving = false;
    worker.on('message', (message: unknown) => {
      if (isReopened(message)) return reopened(worker);
      if (isRedisState(message)) {
        const say = () => output.err(`mixnmatch: ${message.message}\n`);
        if (message.redis === 'lost') say();
        else if (message.redis === 'refused') {
          if (!refusals.has(message.message)) say();
          refusals.add(message.message);
        } else if (message.redis === 'down') {
          if (redisDown.size === 0) say();
          redisDown.add(worker);
        } else if (redisDown.delete(worker) && redisDown.size === 0) {
          refusals.clear();
          say();
        }
        return;
      }
      if (isStopping(message)) {
        leaving = true;
        // The workers share the command's stdout: when it is gone, everyone stops.
        if (message.stopping === 'stdout closed') stop('stdout closed');
        return;
      }
      if (ready || !isListening(message)) return;
      ready = true;
      listening += 1;
      if (listening === config.workers) {
        output.out(banner(config, version, message.listening, message.fingerprint));
        output.event?.(
          `mixnmatch ${version}: listening on ${message.listening.join(' ')} with ${config.workers} workers (pid ${process.pid})\n`,
        );
      }
    });
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      reopened(worker);
      redisDown.delete(worker);
      if (stopping) {
        if (workers.size === 0) finish();
      } else if (!ready && listening < config.workers) {
        // One of the first could not start (the port is taken, say): it said why; the command stops.
        failure = code || 1;
        stop('a worker could not start');
      } else {
        const now = Date.now();
        replaced.push(now);
        while (replaced.length > 0 && replaced[0]! < now - 10_000) replaced.shift();
        if (replaced.length > 5) {
          output.err('mixnmatch: workers keep exiting (6 in 10 s); stopping\n');
          failure = 1;
          return stop('workers keep exiting');
        }
        output.err(
          `mixnmatch: a worker ${leaving ? 'stopped' : 'exited'} (${signal ?? code}); starting another\n`,
        );
        fork();
      }
    });
  };

  process.off('SIGINT', holdInt);
  process.off('SIGTERM', holdTerm);
  process.off('SIGHUP', holdHup);
  // Stopped before any worker was started: nothing to wait for.
  if (early !== undefined) {
    output.out(`mixnmatch: ${early}, stopping\n`);
    process.exit(0);
  }
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (rotatesLogs(config)) {
    // logrotate's postrotate signals the primary: it reopens its own log,
    // asks every worker to, and says so once they all have.
    process.on('SIGHUP', () => {
      reopenErrorLog();
      reopening = new Set(workers);
      for (const worker of workers) {
        // A worker on its way out cannot be asked: it is not waited for.
        if (!worker.isConnected()) reopened(worker);
        else worker.send({ reopen: true }, (err) => err && reopened(worker));
      }
      if (workers.size === 0) reopened(undefined);
    });
  }
  watchParent(stop);
  for (let i = 0; i < config.workers; i++) fork();
}

/** In a worker: the certificate its primary made for every worker, if it made one (outside a worker, never). */
export function primaryCertificate(): { key: string; cert: string } | undefined {
  if (!cluster.isWorker) return undefined;
  const key = process.env.MIXNMATCH_TLS_KEY;
  const cert = process.env.MIXNMATCH_TLS_CERT;
  return key && cert ? { key, cert } : undefined;
}
