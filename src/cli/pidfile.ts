// --pidfile FILE: the server's PID while it runs (a stale file detected), and `mixnmatch status|stop --pidfile FILE`.
import { closeSync, openSync, readFileSync, unlinkSync, watch, writeSync } from 'node:fs';
import path from 'node:path';

/** Why a pidfile cannot be claimed (it names a running server, or cannot be written): exit 1. */
export class PidfileError extends Error {}

/** The PID a pidfile holds, or `undefined` when there is none (or it holds no PID). */
function readPid(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PidfileError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const pid = /^\s*(\d{1,10})\s*$/.exec(text)?.[1];
  return pid === undefined ? 0 : Number(pid);
}

/**
 * Whether `pid` is a running mixnmatch: a process that signal 0 reaches (or
 * that belongs to another user) whose command line (where Linux tells)
 * names mixnmatch; a PID the system gave to another program since is not.
 */
export function isRunning(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return /mixnmatch|cli[/\\]index\.js/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    // No /proc (not Linux), or the process just went: as signal 0 said.
    return true;
  }
}

/**
 * Writes this process's PID to `file` (created anew, never through a file
 * that is there). A file naming a running mixnmatch is refused; a stale one
 * (its process gone) is replaced, and its PID given back to be said. The
 * file is removed when this process exits, if it still holds its PID.
 */
export function claimPidfile(file: string): { stale: number | undefined } {
  let stale: number | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PidfileError(`cannot write the pidfile ${file}: ${(err as Error).message}`);
      }
    }
    const pid = readPid(file);
    if (pid !== undefined && isRunning(pid)) {
      throw new PidfileError(
        `${file} names a running server (pid ${pid}): stop it first (mixnmatch stop --pidfile ${file})`,
      );
    }
    // Another start replaced the stale file meanwhile: its PID is read next round.
    if (attempt > 2) throw new PidfileError(`cannot claim the pidfile ${file}: it keeps changing`);
    stale = pid;
    try {
      unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new PidfileError(
          `cannot replace the stale pidfile ${file}: ${(err as Error).message}`,
        );
      }
    }
  }
  process.on('exit', () => {
    try {
      if (readPid(file) === process.pid) unlinkSync(file);
    } catch {
      // Gone already, or not ours to remove.
    }
  });
  return { stale };
}

const USAGE = `Usage: mixnmatch status --pidfile FILE
       mixnmatch stop --pidfile FILE [--timeout SECONDS]

  status   exit 0 when the server FILE names runs; 3 when none does (no
           file); 1 when FILE is stale (its process is gone)
  stop     SIGTERM to that server, then wait for it to finish its requests
           and exit (at most --timeout seconds, default 20): exit 0 once
           it has stopped; 3 when none was running; 1 when it did not stop
           in time`;

/** Where `mixnmatch status` and `stop` write, and their arguments. */
interface ControlIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** `mixnmatch status|stop --pidfile FILE`: resolves to the exit code. */
export async function controlCommand(
  action: 'status' | 'stop',
  argv: readonly string[],
  io: ControlIo,
): Promise<number> {
  let file: string | undefined;
  let timeout = 20;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (name: string) => {
      const inline = arg.startsWith(`${name}=`) ? arg.slice(name.length + 1) : undefined;
      return inline ?? argv[++i];
    };
    if (arg === '--pidfile' || arg.startsWith('--pidfile=')) file = value('--pidfile');
    else if (action === 'stop' && (arg === '--timeout' || arg.startsWith('--timeout='))) {
      timeout = Number(value('--timeout'));
      if (!Number.isFinite(timeout) || timeout <= 0) {
        io.err(`mixnmatch ${action}: --timeout must be a positive number of seconds\n${USAGE}\n`);
        return 2;
      }
    } else if (arg === '-h' || arg === '--help') {
      io.out(`${USAGE}\n`);
      return 0;
    } else {
      io.err(`mixnmatch ${action}: unknown argument ${arg}\n${USAGE}\n`);
      return 2;
    }
  }
  if (!file) {
    io.err(`mixnmatch ${action}: --pidfile FILE is needed\n${USAGE}\n`);
    return 2;
  }
  let pid: number | undefined;
  try {
    pid = readPid(file);
  } catch (err) {
    io.err(`mixnmatch ${action}: ${(err as Error).message}\n`);
    return 1;
  }
  if (pid === undefined) {
    io.out(`not running (no ${file})\n`);
    return 3;
  }
  if (!isRunning(pid)) {
    io.out(`not running (${file} is stale: pid ${pid} is gone)\n`);
    if (action === 'status') return 1;
    try {
      unlinkSync(file);
    } catch {
      // Removed meanwhile.
    }
    return 3;
  }
  if (action === 'status') {
    io.out(`running (pid ${pid})\n`);
    return 0;
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch (err) {
    io.err(`mixnmatch stop: cannot signal pid ${pid}: ${(err as Error).message}\n`);
    return 1;
  }
  if (await exited(pid, file, timeout * 1000)) {
    io.out(`stopped (pid ${pid})\n`);
    return 0;
  }
  io.err(`mixnmatch stop: pid ${pid} is still running after ${timeout} s\n`);
  return 1;
}

/**
 * Waits until `pid` has exited, at most `ms`: woken when the server removes
 * its pidfile (a change in its folder), and checked every 100 ms besides,
 * for a server that is killed and removes nothing.
 */
function exited(pid: number, file: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    let watcher: ReturnType<typeof watch> | undefined;
    const finish = (gone: boolean) => {
      clearInterval(timer);
      clearTimeout(deadline);
      watcher?.close();
      resolve(gone);
    };
    const check = () => {
      if (!isRunning(pid)) finish(true);
    };
    const timer = setInterval(check, 100);
    const deadline = setTimeout(() => finish(!isRunning(pid)), ms);
    try {
      watcher = watch(path.dirname(path.resolve(file)), check);
    } catch {
      // A folder that cannot be watched: the interval does it.
    }
  });
}
