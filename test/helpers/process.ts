// Waiting on a child process's output as events, never by polling on a timer.
import type { ChildProcess } from 'node:child_process';

/**
 * Resolves with the first match of `pattern` in the child's stdout (or
 * stderr), read in
 * full by `read()` (which an earlier 'data' listener keeps up to date): now,
 * or at the next chunk that makes it match. Rejects when the child exits
 * first, with what it printed.
 */
export function untilOutput(
  child: ChildProcess,
  read: () => string,
  pattern: RegExp,
  stream: 'stdout' | 'stderr' = 'stdout',
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const match = pattern.exec(read());
      if (match) {
        done();
        resolve(match);
      }
      return match !== null;
    };
    const onExit = (code: number | null) => {
      done();
      reject(new Error(`exited (${code}) before printing ${pattern}; stdout: ${read()}`));
    };
    const done = () => {
      child[stream]?.off('data', check);
      child.off('exit', onExit);
    };
    if (check()) return;
    if (child.exitCode !== null) return onExit(child.exitCode);
    child[stream]?.on('data', check);
    child.once('exit', onExit);
  });
}
