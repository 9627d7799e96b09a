// --pidfile FILE: the server's PID while it runs (a stale file detected), and `mixnmatch status|stop --pidfile FILE`.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  realpathSync,
  unlinkSync,
  watch,
  writeSync,
} from 'node:fs';
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

/** This command's own script, as the kernel shows it in a process's arguments. */
const SELF = (() => {
  try {
    return realpathSync(process.argv[1] ?? '');
  } catch {
    return process.argv[1] ?? '';
  }
})();

/**
 * Whether `pid` is a running mixnmatch: a process that signal 0 reaches (or
 * that belongs to another user) whose arguments (where Linux tells) hold
 * this command's own script; a PID the system gave to another program
 * since (a `tail -f mixnmatch.log` included) is not.
 */
export function isRunning(pid: number): boolean {
  if (pid <= 0 || !Number.isSafeInteger(pid)) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    // No /proc (not Linux), or the process just went: as signal 0 said.
    return true;
  }
  return args.slice(1, 3).some((arg) => {
    try {
      return arg !== '' && realpathSync(arg) === SELF;
    } catch {
      return false;
    }
  });
}

/**
 * Writes this process's PID to `file`, appearing whole or not at all (a
 * temporary file linked to its name, which fails when the name is taken).
 * A file naming a running mixnmatch is refused; a stale one (its process
 * gone) is replaced, by one start at a time (`FILE.lock`), and its PID given
 * back to be said. The file is removed when this process exits, if it still
 * holds its PID.
 */
export function claimPidfile(file: string): { stale: number | undefined } {
  const temporary = path.join(
    path.dirname(path.resolve(file)),
    `.${path.basename(file)}.${randomBytes(8).toString('hex')}.tmp`,
  );
  try {
    const fd = openSync(temporary, 'wx', 0o644);
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new PidfileError(`cannot write the pidfile ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let stale: number | undefined;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temporary, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new PidfileError(`cannot write the pidfile ${file}: ${(err as Error).message}`, {
            cause: err,
          });
        }
      }
      const pid = readPid(file);
      if (pid !== undefined && isRunning(pid)) {
        throw new PidfileError(
          `${file} names a running server (pid ${pid}): stop it first (mixnmatch stop --pidfile ${file})`,
        );
      }
      if (attempt > 2)
        throw new PidfileError(`cannot claim the pidfile ${file}: it keeps changing`);
      // One start replaces a stale file: another one that read it too finds the lock, and reads again.
      const lock = `${file}.lock`;
      let held: number;
      try {
        held = openSync(lock, 'wx', 0o600);
      } catch {
        continue;
      }
      try {
        if (readPid(file) === pid) {
          stale = pid;
          unlinkSync(file);
        }
      } finally {
        closeSync(held);
        unlinkSync(lock);
      }
    }
  } finally {
    unlinkSync(temporary);
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
           it has stopped, or when none was running (LSB); 1 when it did not
           stop in time`;

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
      if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 3600) {
        io.err(
          `mixnmatch ${action}: --timeout must be a number of seconds from 0 to 3600\n${USAGE}\n`,
        );
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
    // LSB: stopping what is not running succeeds; status says 3.
    return action === 'status' ? 3 : 0;
  }
  if (!isRunning(pid)) {
    io.out(`not running (${file} is stale: pid ${pid} is gone)\n`);
    if (action === 'status') return 1;
    try {
      unlinkSync(file);
    } catch {
      // Removed meanwhile.
    }
    return 0;
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
