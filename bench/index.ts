// `npm run bench`: mixnmatch against plain Express apps doing the same work, on loopback, in bounded time.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runBench } from './bench';
import { SCENARIOS } from './scenarios';

const HELP = `Usage: npm run bench -- [options]

  --duration <s>      seconds per measured run (env BENCH_DURATION; default 1.5)
  --warmup <s>        seconds of warm-up per server (env BENCH_WARMUP; default 0.5)
  --rounds <n>        measured runs per server, interleaved A/B/B/A… (env BENCH_ROUNDS; default 4)
  --connections <n>   concurrent connections (env BENCH_CONNECTIONS; default 32)
  --only <ids>        comma-separated scenario ids, 'canonicalize', 'hostile-paths', 'heap', 'capture-feed' and 'redis-cluster' included
  --smoke             a few requests per server, only to check that everything works
  --no-pin            do not pin the servers and the load generator to separate CPUs
  --cpu-prof <dir>    write a CPU profile of each server into <dir> (node --cpu-prof)
  -h, --help          this help`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`bench: ${name} must be a positive number (got ${value})\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      only: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const env = process.env;
  const known = [
    ...SCENARIOS.map((s) => s.id),
    'canonicalize',
    'hostile-paths',
    'heap',
    'capture-feed',
    'redis-cluster',
  ];
  const only = values.only?.split(',').map((id) => id.trim());
  const unknown = only?.filter((id) => !known.includes(id)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(
      `bench: unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}\n`,
    );
    process.exit(2);
  }
  const result = await runBench({
    duration: positive('--duration', values.duration ?? env.BENCH_DURATION, 1.5),
    warmup: positive('--warmup', values.warmup ?? env.BENCH_WARMUP, 0.5),
    rounds: Math.round(positive('--rounds', values.rounds ?? env.BENCH_ROUNDS, 4)),
    connections: Math.round(
      positive('--connections', values.connections ?? env.BENCH_CONNECTIONS, 32),
    ),
    ...(only ? { only } : {}),
    smoke: values.smoke,
    pin: !values['no-pin'],
    ...(values['cpu-prof'] ? { cpuProfileDir: path.resolve(values['cpu-prof']) } : {}),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  // A bench whose servers answer differently, or fail, measures nothing: say so in the exit code.
  const broken = result.scenarios.filter(
    (s) => s.mismatches.length > 0 || s.variants.some((v) => v.failures > 0),
  );
  if (broken.length > 0 || result.heap.some((h) => h.failures > 0)) {
    process.stderr.write(
      `bench: servers answered unlike each other or failed in: ${broken.map((s) => s.id).join(', ') || 'heap'}\n`,
    );
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
