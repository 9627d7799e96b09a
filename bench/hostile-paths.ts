// Times hostile paths (long runs of one special character) through the whole stack in-process: every step must be linear.
import { createServer, request, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../src';

/** One kind of hostile path: a run of one character (as sent), between a protected prefix and a name. */
export interface HostileKind {
  /** What the table calls it. */
  readonly label: string;
  /** The characters repeated, as they appear in the request target. */
  readonly unit: string;
}

/** The special characters of a path, each raw and percent-encoded where both can be sent. */
export const HOSTILE_KINDS: readonly HostileKind[] = [
  { label: '.', unit: '.' },
  { label: '%2e', unit: '%2e' },
  { label: 'space (%20)', unit: '%20' },
  { label: '/', unit: '/' },
  { label: '%2f', unit: '%2f' },
  { label: '% (malformed)', unit: '%' },
  { label: '%25', unit: '%25' },
  { label: '\\', unit: '\\' },
  { label: '%5c', unit: '%5c' },
  { label: '/..', unit: '/..' },
  { label: '. /', unit: '.%20/' },
  { label: '~1', unit: '~1' },
];

/** Microseconds per request for one kind, at each size. */
export interface HostileTiming {
  readonly label: string;
  /** Request-target bytes → microseconds per request. */
  readonly us: ReadonlyMap<number, number>;
  /** The statuses the server answered (all below 500, or the bench fails). */
  readonly statuses: readonly number[];
}

/** The target for a kind at about `bytes` bytes: `/secret/` + the run + `/x`, so secrets are checked along it. */
export function hostileTarget(kind: HostileKind, bytes: number): string {
  const count = Math.max(1, Math.floor((bytes - 12) / kind.unit.length));
  return `/secret/${kind.unit.repeat(count)}/x`;
}

function get(port: number, agent: Agent, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Serves `createApp()` (with secrets, so every path is matched against them)
 * on loopback in this process and times each kind of hostile path at each
 * size over `ms` milliseconds. Linear work shows as microseconds per KiB that
 * stay flat as the path grows; quadratic work as a growth far past the
 * growth of the path.
 */
export async function timeHostilePaths(
  root: string,
  sizes: readonly number[],
  ms: number,
): Promise<HostileTiming[]> {
  const app = createApp({
    root,
    auth: { secrets: ['secret', '/topsecret'] },
    errors: { log: false },
  });
  const server: Server = createServer({ maxHeaderSize: 256 * 1024 }, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const results: HostileTiming[] = [];
    for (const kind of HOSTILE_KINDS) {
      const us = new Map<number, number>();
      const statuses = new Set<number>();
      for (const bytes of sizes) {
        const target = hostileTarget(kind, bytes);
        for (let i = 0; i < 3; i++) statuses.add(await get(port, agent, target));
        const start = process.hrtime.bigint();
        let calls = 0;
        let elapsed: number;
        do {
          statuses.add(await get(port, agent, target));
          calls += 1;
          elapsed = Number(process.hrtime.bigint() - start) / 1e3;
        } while (elapsed < ms * 1000);
        us.set(bytes, elapsed / calls);
      }
      results.push({ label: kind.label, us, statuses: [...statuses].sort() });
    }
    return results;
  } finally {
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}
