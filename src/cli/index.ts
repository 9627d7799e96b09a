#!/usr/bin/env node
// The mixnmatch command: parse the options, start the server, stop cleanly on SIGINT/SIGTERM.

// The process that started this one, taken before anything loads: an npm
// script killed while the command starts must not leave it serving alone.
const startedBy = process.ppid;

import { parseArgs } from './args';
import { hashPasswordCommand } from './hash-password';
import { addUserCommand } from './users-file';
import { writeConfigFile } from './config-file';
import { ErrorLog, isReopen, REOPENED, rotatesLogs } from './logs';
import { claimPidfile, controlCommand, PidfileError } from './pidfile';
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import type { ServerConfig } from './args';
import { loadSharedUsers, primaryCertificate, runPrimary } from './cluster';
import { packageVersion } from '../shared/version';
import { connectStores, RedisUnreachableError, type CommandStores } from './redis';
import { ConfigurationError, StartError, startServer, type Running } from './server';

/** How long requests in flight get to finish after a stop signal. */
const GRACE_MS = 10_000;

const version = packageVersion;

/** Process warnings (a factory's, such as cors()'s) in the command's own words, on stderr. */
function reportWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    output.err(`mixnmatch: warning: ${warning.message}\n`);
  });
}

/** Set when stdout's reader went away (`mixnmatch | head -3`): nothing more is written there. */
let stdoutClosed = false;
/** What to do once stdout is gone: stop the server, once it runs. */
let onStdoutClosed: () => void = () => process.exit(0);

/**
 * A closed pipe on stdout ends the command quietly, as a broken pipe ends
 * any Unix tool, instead of a stack trace from an unhandled EPIPE.
 */
function watchStdout(): void {
  process.stdout.on('error', () => {
    // EPIPE, or any write error: stdout is gone either way.
    if (stdoutClosed) return;
    stdoutClosed = true;
    onStdoutClosed();
  });
}

function out(text: string): void {
  if (!stdoutClosed) process.stdout.write(text);
}

/**
 * Started by an npm script (`npm start`), the server runs under a shell that
 * npm stops without passing the signal on: when that parent goes, the
 * server stops too, instead of staying behind.
 */
function watchParent(stop: (why: string) => void): void {
  if (process.env.npm_lifecycle_event === undefined) return;
  const gone = () => process.ppid !== startedBy || orphanedAtStart();
  if (gone()) return stop('the npm script that started it ended');
  setInterval(() => {
    if (gone()) stop('the npm script that started it ended');
  }, 250).unref();
}

/**
 * Whether npm was gone before this process ran a line: its parent is then
 * PID 1 from the start, which is npm itself only where npm is a
 * container's first process (Linux tells; elsewhere it is taken as alive).
 */
function orphanedAtStart(): boolean {
  if (startedBy !== 1) return false;
  try {
    return !/\b(npm|npx|node)\b/.test(readFileSync('/proc/1/cmdline', 'utf8'));
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  reportWarnings();
  watchStdout();
  const action = process.argv[2];
  // The subcommands that read stdin: hash-password and add-user.
  const reading =
    action === 'hash-password'
      ? hashPasswordCommand
      : action === 'add-user'
        ? addUserCommand
        : undefined;
  if (reading) {
    process.exitCode = await reading(
      process.argv.slice(3),
      process.stdin,
      process.stdout,
      process.stderr,
    );
    return;
  }
  if (action === 'status' || action === 'stop') {
    process.exitCode = await controlCommand(action, process.argv.slice(3), output);
    return;
  }
  const parsed = parseArgs(process.argv.slice(2), version());
  if (parsed.kind === 'exit') {
    out(parsed.stdout);
    process.stderr.write(parsed.stderr);
    process.exitCode = parsed.code;
    return;
  }
  const config = parsed.config;
  if (config.save && cluster.isPrimary) {
    try {
      writeConfigFile(config.save.file, config.save.options);
      process.stderr.write(`mixnmatch: saved the configuration to ${config.save.file}\n`);
    } catch (err) {
      process.stderr.write(
        `mixnmatch: --save-config ${config.save.file}: cannot write it: ${(err as Error).message}\n`,
      );
      process.exit(1);
    }
  }
  if (config.errorLog !== undefined) {
    try {
      errorLog.open(config.errorLog);
    } catch (err) {
      process.stderr.write(`mixnmatch: ${(err as Error).message}\n`);
      process.exit(1);
    }
  }
  if (config.pidfile !== undefined && cluster.isPrimary) {
    try {
      const { stale } = claimPidfile(config.pidfile);
      if (stale !== undefined) {
        output.err(
          `mixnmatch: replaced the stale pidfile ${config.pidfile} (${stale ? `pid ${stale} is gone` : 'it held no pid'})\n`,
        );
      }
    } catch (err) {
      if (!(err instanceof PidfileError)) throw err;
      output.err(`mixnmatch: ${err.message}\n`);
      process.exit(1);
    }
  }
  if (config.workers > 1 && cluster.isPrimary) {
    return runPrimary(config, version(), output, watchParent, () => errorLog.reopen());
  }
  await runServer(config);
}

/** Where errors, and start and stop events, go: stderr, or --error-log FILE. */
const errorLog = new ErrorLog();

const output = {
  out,
  err: (text: string) => errorLog.write(text),
  event: (text: string) => {
    if (errorLog.toFile) errorLog.write(text);
  },
};

/** Reports a start-up failure in one line and exits: 2 for a configuration refused, 1 otherwise. */
function startFailed(err: unknown): never {
  if (
    !(err instanceof StartError) &&
    !(err instanceof ConfigurationError) &&
    !(err instanceof RedisUnreachableError)
  ) {
    throw err;
  }
  // One line, as a flag the parser refuses, with the same hint (and in the error log).
  process.stderr.write(`mixnmatch: ${err.message}\nRun mixnmatch --help for the options.\n`);
  output.event(`mixnmatch: ${err.message}\n`);
  process.exit(err instanceof ConfigurationError ? 2 : 1);
}

/**
 * Serves in this process: the whole command, or one worker of several (which
 * prints no summary, tells its primary where it listens, and stops with it).
 */
async function runServer(config: ServerConfig): Promise<void> {
  const worker = cluster.isWorker;
  // Signals are taken from now on: one that comes while the server starts stops it once it runs.
  let running: Running | undefined;
  let stores: CommandStores | undefined;
  let pending: string | undefined;
  let stopping = false;
  const stop = (why: string) => {
    if (!running) {
      pending ??= why;
      return;
    }
    if (stopping) {
      // A worker gets the signal from its primary too (and from a service
      // manager that signals the whole group): once is enough there.
      if (worker || (why !== 'SIGINT' && why !== 'SIGTERM')) return;
      process.stderr.write(`mixnmatch: ${why} again, stopping now\n`);
      process.exit(1);
    }
    stopping = true;
    if (!worker) {
      const stopping = `mixnmatch: ${why}, stopping once requests in flight are done\n`;
      out(stopping);
      output.event(stopping);
    }
    // Its primary must not take this for a crash (and, for a closed stdout, stops too).
    else process.send?.({ stopping: why });
    const server = running.server;
    setTimeout(() => {
      process.stderr.write('mixnmatch: requests still in flight after 10 s, closing them\n');
      server.closeAllConnections();
    }, GRACE_MS).unref();
    running
      .stop()
      .then(() => stores?.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  if (rotatesLogs(config)) {
    // logrotate's postrotate (kill -HUP): the logs are opened again by their names.
    const reopen = () => {
      errorLog.reopen();
      running?.reopenLog();
      if (worker) process.send?.({ reopened: true });
      else output.err(REOPENED);
    };
    process.on('SIGHUP', reopen);
    // A worker is asked by its primary (which got the signal).
    if (worker) process.on('message', (message) => isReopen(message) && reopen());
  }
  onStdoutClosed = () => stop('stdout closed');
  if (worker) process.on('disconnect', () => stop('the primary went away'));
  else watchParent(stop);
  try {
    if (config.redis) {
      stores = await connectStores({
        url: config.redis.url,
        prefix: config.redis.prefix,
        // A worker tells its primary, which says it once for all of them.
        onState: (message, state) =>
          worker
            ? process.send?.({ redis: state, message })
            : output.err(`mixnmatch: ${message}\n`),
        // Redis came back empty: the users file is loaded again, here.
        onLost: async () => {
          if (config.users === undefined || !stores) return undefined;
          await loadSharedUsers(config, stores, output);
          return `the users of ${config.usersFile} are loaded again`;
        },
        // Its primary checked Redis at start; a worker started later serves through an outage.
        waitForRedis: !worker,
      });
      // A primary has loaded the users for its workers.
      if (!worker) await loadSharedUsers(config, stores, output);
    }
    const certificate = worker ? primaryCertificate() : undefined;
    running = await startServer(config, version(), output, {
      ...(stores ? { stores: stores.stores } : {}),
      ...(certificate ? { certificate } : {}),
      quiet: worker,
    });
    if (!worker) {
      output.event(
        `mixnmatch ${version()}: listening on ${running.urls.join(' ')} (pid ${process.pid})\n`,
      );
    }
  } catch (err) {
    await stores?.close();
    startFailed(err);
  }
  if (worker) process.send?.({ listening: running.urls, fingerprint: running.fingerprint });
  if (pending !== undefined || stdoutClosed) stop(pending ?? 'stdout closed');
}

main().catch((err: unknown) => {
  process.stderr.write(
    `mixnmatch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
