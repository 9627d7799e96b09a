// A real redis-server for the tests: started on a free loopback port, stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import type { SendCommand } from 'mixnmatch';

/** A running redis-server and a client of it. */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  readonly process: ChildProcess;
  /** An ioredis client; `send` goes through it. */
  readonly client: Redis;
  readonly send: SendCommand;
  /** A prefix no other test uses, so stores of different tests never meet. */
  prefix(): string;
  /** Stops the client and the server (SIGTERM to its PID), and waits for it to exit. */
  stop(): Promise<void>;
}

/** A port nothing listens on now, from the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts Debian's redis-server on 127.0.0.1 and a free port, without
 * persistence, and resolves once it says it is ready.
 */
export async function startRedis(port?: number): Promise<TestRedis> {
  const chosen = port ?? (await freePort());
  const child = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
  });
  child.stdout!.resume();
  // A test that hangs must not keep jest from exiting, nor leave the server behind it.
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const client = new Redis({ port: chosen, host: '127.0.0.1', lazyConnect: false });
  let n = 0;
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    process: child,
    client,
    send: (args) => client.call(args[0]!, ...args.slice(1)),
    prefix: () => `test-${process.pid}-${++n}:`,
    async stop() {
      client.disconnect();
      process.off('exit', killOnExit);
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
