// Starting the built mixnmatch command, and waiting on a child process's output as events, never by polling on a timer.
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, watch } from 'node:fs';
import path from 'node:path';
import { tempTree } from '.';

/** The command as a user runs it: the package's bin, built from src/ by Jest's global setup. */
export const BIN = path.join(__dirname, '..', '..', 'dist', 'cli', 'index.js');

/** A running `mixnmatch` child process and what it has printed so far. */
export interface Child {
  process: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `mixnmatch args…` (in `cwd`, with `env`, when given). */
export function start(args: readonly string[], cwd?: string, env?: NodeJS.ProcessEnv): Child {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: 'pipe', cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { process: child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits for the URL the server prints (all of its start-up summary follows in the same write). */
export async function serverUrl(child: Child): Promise<string> {
  return (
    await untilOutput(child.process, child.stdout, /listening on (http\S+)[\s\S]*\n {2}files: /)
  )[1]!;
}

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

/**
 * The command's test files' common ground, registered in the describe that
 * calls it: a served tree (removed after), and `launch(...args)`, which
 * starts the command and kills whatever is still running after each test.
 */
export function commandFixture(): {
  tree: ReturnType<typeof tempTree>;
  launch: (...args: string[]) => Child;
} {
  const tree = tempTree({ 'hello.txt': 'hello from the root', 'secret/x.txt': 'x' });
  afterAll(() => tree.remove());
  const children: Child[] = [];
  afterEach(() => {
    for (const child of children.splice(0))
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
  });
  const launch = (...args: string[]) => {
    const child = start(args);
    children.push(child);
    return child;
  };
  return { tree, launch };
}

/**
 * Resolves with the first match of `pattern` in `file`: now, or when a
 * change in its folder (the file made, written or moved) makes it match.
 */
export function untilFile(file: string, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve) => {
    const check = () => {
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        // Not there yet.
      }
      const match = pattern.exec(text);
      if (!match) return false;
      watcher.close();
      resolve(match);
      return true;
    };
    const watcher = watch(path.dirname(file), check);
    check();
  });
}
