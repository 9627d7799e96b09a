// Bench plumbing: server host processes, CPU pinning, one autocannon run, and a probe that reads one whole response.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import autocannon from 'autocannon';
import type { BenchRequest } from './scenarios';
import type { HostConfig, HostMessage, ParentMessage } from './host';

/** A running host process and the ports of its servers, in the order asked for. */
export interface Host {
  readonly pid: number;
  readonly ports: readonly number[];
  /** The host's memory after full garbage collections (a host started with `exposeGc`). */
  memory(): Promise<NodeJS.MemoryUsage>;
  close(): Promise<void>;
}

const ROOT = path.join(__dirname, '..');

/** Whether `taskset` can pin processes to CPUs here (Linux with util-linux, two CPUs or more). */
export function canPin(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins a process and all its threads to one CPU, so the load generator and the server do not take turns on a core. */
export function pin(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

/**
 * Starts a host process serving `config.servers` (TypeScript through
 * ts-node, transpile only: the same JavaScript `tsc` emits).
 */
export function startHost(
  config: HostConfig,
  options: { cpu?: number; exposeGc?: boolean; cpuProfile?: { dir: string; name: string } } = {},
): Promise<Host> {
  const profile = options.cpuProfile;
  const child: ChildProcess = fork(path.join(__dirname, 'host.ts'), [JSON.stringify(config)], {
    execArgv: [
      ...(options.exposeGc ? ['--expose-gc'] : []),
      ...(profile
        ? [
            '--cpu-prof',
            '--cpu-prof-interval',
            '100',
            '--cpu-prof-dir',
            profile.dir,
            '--cpu-prof-name',
            profile.name,
          ]
        : []),
      '-r',
      'ts-node/register/transpile-only',
    ],
    env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = () =>
    new Promise<HostMessage>((resolve, reject) => {
      const onExit = (code: number | null) =>
        reject(new Error(`a bench server process exited (code ${code})`));
      child.once('exit', onExit);
      child.once('message', (message: HostMessage) => {
        child.off('exit', onExit);
        if (message.type === 'error')
          reject(new Error(`a bench server failed: ${message.message}`));
        else resolve(message);
      });
    });
  return next().then((ready) => {
    if (ready.type !== 'ready') throw new Error(`unexpected message from a bench server`);
    if (options.cpu !== undefined) pin(child.pid!, options.cpu);
    return {
      pid: child.pid!,
      ports: ready.ports,
      async memory() {
        const reply = next();
        child.send({ type: 'memory' } satisfies ParentMessage);
        const message = await reply;
        if (message.type !== 'memory') throw new Error('unexpected message from a bench server');
        return message.usage;
      },
      async close() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
  });
}

let ticksPerSecond: number | undefined;

/** The CPU time a process has used (user + system), in microseconds; undefined where there is no /proc. */
export function cpuTime(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1e6;
}

/**
 * Waits until none of the processes is using the CPU (no CPU time gained in
 * 50 ms), at most `maxMs`: a server still working off the requests of the
 * last run (10,000 Express routes take milliseconds each) would otherwise
 * slow down the next server measured.
 */
export async function settle(pids: readonly number[], maxMs = 2000): Promise<void> {
  if (pids.length === 0 || pids.some((pid) => cpuTime(pid) === undefined)) return;
  const deadline = Date.now() + maxMs;
  let before = pids.map(cpuTime);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = pids.map(cpuTime);
    if (now.every((t, i) => t === before[i])) return;
    before = now;
  }
}

/** The outcome of one load run. */
export interface Measurement {
  /** Completed requests per second. */
  readonly rps: number;
  /** Latency percentiles, in milliseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  /** The server's CPU time per request, in microseconds (when its pid is known and /proc exists). */
  readonly cpuUs?: number;
  readonly errors: number;
  /** Responses by status code. */
  readonly statuses: Readonly<Record<string, number>>;
}

/** Load settings: how long (seconds) or how many requests, over how many connections. */
export interface LoadOptions {
  readonly connections: number;
  readonly duration?: number;
  readonly amount?: number;
}

/**
 * Sends `request` to 127.0.0.1:`port` over `connections` keep-alive
 * connections (no pipelining) and measures; with the server's `pid`, also
 * the CPU time it spent per request.
 */
export async function measure(
  port: number,
  request: BenchRequest,
  options: LoadOptions,
  pid?: number,
): Promise<Measurement> {
  const cpuBefore = pid === undefined ? undefined : cpuTime(pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${request.path}`,
    method: request.method ?? 'GET',
    headers: { ...request.headers },
    ...(request.body !== undefined ? { body: request.body } : {}),
    connections: options.connections,
    pipelining: 1,
    // Checks for the end every 100 ms, not every second: runs end on time.
    sampleInt: 100,
    ...(options.amount !== undefined
      ? { amount: options.amount }
      : { duration: options.duration ?? 3 }),
  });
  const cpuAfter = pid === undefined ? undefined : cpuTime(pid);
  const statuses: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statuses[status] = Number(count ?? 0);
  }
  return {
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    ...(cpuBefore !== undefined && cpuAfter !== undefined && result.requests.total > 0
      ? { cpuUs: (cpuAfter - cpuBefore) / result.requests.total }
      : {}),
    errors: result.errors,
    statuses,
  };
}

/** One response read whole, for checking that the servers of a scenario answer alike. */
export interface Probe {
  readonly status: number;
  /** Lowercase name → value, without the headers that change per response or connection. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** Headers that differ between two runs of the same server. */
const VOLATILE = new Set(['date', 'connection', 'keep-alive']);

/** Sends `request` once and reads the response. */
export function probe(port: number, request: BenchRequest): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path: request.path,
        method: request.method ?? 'GET',
        headers: { ...request.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (!VOLATILE.has(name) && value !== undefined) {
              headers[name] = Array.isArray(value) ? value.join(', ') : value;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
        });
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

/** How a response differs from the reference one, in words; empty when they are alike. */
export function differences(reference: Probe, other: Probe): string[] {
  const found: string[] = [];
  if (reference.status !== other.status) found.push(`status ${other.status} ≠ ${reference.status}`);
  if (!reference.body.equals(other.body)) found.push('body differs');
  const names = new Set([...Object.keys(reference.headers), ...Object.keys(other.headers)]);
  for (const name of [...names].sort()) {
    const a = reference.headers[name];
    const b = other.headers[name];
    if (a !== b) found.push(`${name}: ${b ?? '(none)'} ≠ ${a ?? '(none)'}`);
  }
  return found;
}
