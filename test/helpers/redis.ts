// A real redis-server for the tests: started on a free loopback port, stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
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

/** A redis-server (or Sentinel) process started by {@link spawnRedis}. */
export interface RedisProcess {
  readonly port: number;
  readonly process: ChildProcess;
  /** Stops it (SIGTERM to its PID, or SIGKILL) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts Debian's redis-server with `args` (after the port) on 127.0.0.1,
 * without persistence, and resolves once it says it is ready.
 */
export async function spawnRedis(
  port: number,
  args: readonly string[] = [],
): Promise<RedisProcess> {
  const child = spawn(
    'redis-server',
    [...args, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      // A server says it is ready; a Sentinel, that it runs.
      if (/Ready to accept connections|Sentinel ID is/.test(output)) resolve();
    });
  });
  child.stdout!.resume();
  // A test that hangs must not keep jest from exiting, nor leave the server behind it.
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    port,
    process: child,
    async stop(signal = 'SIGTERM') {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      // Waited for: it keeps a process without other work (the bench) alive until it exits.
      child.ref();
      child.kill(signal);
      await exited;
    },
  };
}

let prefixes = 0;
/** A prefix no other test uses, so stores of different tests never meet. */
export function testPrefix(): string {
  return `test-${process.pid}-${++prefixes}:`;
}

/**
 * Starts Debian's redis-server on 127.0.0.1 and a free port, without
 * persistence, and resolves once it says it is ready.
 */
export async function startRedis(port?: number): Promise<TestRedis> {
  const chosen = port ?? (await freePort());
  const server = await spawnRedis(chosen);
  const client = new Redis({ port: chosen, host: '127.0.0.1', lazyConnect: false });
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    process: server.process,
    client,
    send: (args) => client.call(args[0]!, ...args.slice(1)),
    prefix: testPrefix,
    async stop() {
      client.disconnect();
      await server.stop();
    },
  };
}

/** A TCP proxy to a Redis that holds every connection it accepts until released. */
export interface HeldProxy {
  readonly url: string;
  /** Resolves once `count` connections are held. */
  held(count: number): Promise<void>;
  /** Lets every held connection (and every later one) through. */
  release(): void;
  close(): Promise<void>;
}

/** Starts a {@link HeldProxy} on a free loopback port in front of Redis on `port`. */
export async function heldProxy(port: number): Promise<HeldProxy> {
  const pending: (() => void)[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const sockets = new Set<Socket>();
  let released = false;
  const server = createServer((inbound) => {
    sockets.add(inbound);
    inbound.on('error', () => undefined);
    const through = () => {
      const outbound = connect(port, '127.0.0.1');
      sockets.add(outbound);
      outbound.on('error', () => inbound.destroy());
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
      inbound.pipe(outbound).pipe(inbound);
    };
    if (released) return through();
    inbound.pause();
    pending.push(through);
    for (const waiter of waiters.filter((w) => pending.length >= w.count)) waiter.resolve();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: own } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${own}`,
    held: (count) =>
      new Promise((resolve) => {
        if (pending.length >= count) resolve();
        else waiters.push({ count, resolve });
      }),
    release() {
      released = true;
      for (const through of pending.splice(0)) through();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
