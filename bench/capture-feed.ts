// How late the capture feed is under load: a bin's feed read while POSTs to the bin keep one server busy.
import { get } from 'node:http';
import { measure, startHost } from './load';
import { BENCH_BIN, PAGE_FORM } from './scenarios';
import type { BenchEnv } from './fixtures';

/** The feed's lateness: from a hit's arrival (its `time`) to its event reaching a client. */
export interface FeedTiming {
  readonly requests: number;
  readonly events: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * Starts the capture-bin server, follows its bin's feed, and loads it with
 * 1 KiB POSTs to the bin over `connections` connections for `duration`
 * seconds; every event's lateness is its arrival here minus the hit's own
 * time (one machine, one clock).
 */
export async function timeCaptureFeed(
  env: BenchEnv,
  options: { duration: number; connections: number; cpu?: number },
): Promise<FeedTiming> {
  const host = await startHost(
    { env, servers: [{ scenario: 'capture-bin', variant: 'mixnmatch' }] },
    options.cpu !== undefined ? { cpu: options.cpu } : {},
  );
  const lateness: number[] = [];
  try {
    const port = host.ports[0]!;
    const feed = await new Promise<import('node:http').ClientRequest>((resolve, reject) => {
      const req = get(`http://127.0.0.1:${port}/_mixnmatch/api/bins/${BENCH_BIN}/feed`, (res) => {
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const now = Date.now();
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frame
              .split('\n')
              .filter((line) => line.startsWith('data: '))
              .map((line) => line.slice(6))
              .join('\n');
            if (data) lateness.push(now - Date.parse((JSON.parse(data) as { time: string }).time));
          }
        });
        resolve(req);
      });
      req.on('error', reject);
    });
    const result = await measure(
      port,
      {
        method: 'POST',
        path: `/bin/${BENCH_BIN}/load`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: PAGE_FORM,
      },
      { connections: options.connections, duration: options.duration },
    );
    // The last events are on their way: a moment for them, then stop reading.
    await new Promise((resolve) => setTimeout(resolve, 200));
    feed.destroy();
    const sorted = [...lateness].sort((a, b) => a - b);
    return {
      requests: result.requests,
      events: sorted.length,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      max: sorted[sorted.length - 1] ?? 0,
    };
  } finally {
    await host.close();
  }
}
