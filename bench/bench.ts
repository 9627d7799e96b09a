// The bench runner: each scenario's servers in child processes, measured interleaved A/B, B/A, …, then timings, heap growth and a summary.
import { cpus } from 'node:os';
import autocannon from 'autocannon';
import { timeCanonicalization, type CanonicalTiming } from './canonical-paths';
import { timeCaptureFeed } from './capture-feed';
import { timeRedisCluster, type ClusterTiming } from './redis-cluster';
import { timeHostilePaths, type HostileTiming } from './hostile-paths';
import { createFixtures, type BenchEnv } from './fixtures';
import {
  canPin,
  differences,
  measure,
  pin,
  probe,
  settle,
  startHost,
  type Host,
  type Measurement,
} from './load';
import { startRedis, type TestRedis } from '../test/helpers/redis';
import { HEAP_VARIANTS, PAGE_FORM, SCENARIOS, type Scenario } from './scenarios';
import { count, fixed, mib, table } from './table';

/** How to run the bench. */
export interface BenchOptions {
  /** Seconds per measured run. */
  readonly duration: number;
  /** Seconds of warm-up per server before the measured runs. */
  readonly warmup: number;
  /** Measured runs per server (ceilings run once). */
  readonly rounds: number;
  readonly connections: number;
  /** Scenario ids to run (`canonicalize`, `hostile-paths` and `heap` name the in-process timings and the heap run); all when absent. */
  readonly only?: readonly string[];
  /** A tiny run that only checks everything works: a few requests per server, one process for all servers. */
  readonly smoke: boolean;
  /** Pin the servers to CPU 1 and the load generator to CPU 0 (when `taskset` works). */
  readonly pin: boolean;
  /** Write a CPU profile of each server (`node --cpu-prof`) into this folder, named `<scenario>-<server>.cpuprofile`. */
  readonly cpuProfileDir?: string;
  /** Where the report goes, a line at a time. */
  readonly log: (line: string) => void;
}

/** One server's runs. */
export interface VariantResult {
  readonly name: string;
  readonly ceiling: boolean;
  readonly runs: readonly Measurement[];
  /** Means over the runs. */
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** The server's CPU time per request, in microseconds, when it could be read. */
  readonly cpuUs?: number;
  /** Connection errors plus responses whose status was not the expected one. */
  readonly failures: number;
}

/**
 * A ratio of two servers' requests/s: the median of the per-round ratios (each
 * round measures both back to back, so a burst of noise on the machine
 * spoils one round, not the result), and their range.
 */
export interface RatioResult {
  readonly label: string;
  readonly value: number;
  readonly min: number;
  readonly max: number;
  readonly numeratorRps: number;
  readonly denominatorRps: number;
  /** The same comparison in server CPU time per request: the median of the denominator's µs over the numerator's per round (higher is better, like `value`). */
  readonly cpuValue?: number;
  readonly target?: number;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly variants: readonly VariantResult[];
  readonly ratios: readonly RatioResult[];
  /** How servers' answers differ from the first one's; empty when they all do the same. */
  readonly mismatches: readonly string[];
}

/** Memory taken by the pages, after full garbage collections. */
export interface HeapResult {
  readonly name: string;
  readonly pages: number;
  readonly payload: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly rss: number;
  /** Saves per second while filling. */
  readonly rps: number;
  readonly failures: number;
}

export interface BenchResult {
  readonly scenarios: readonly ScenarioResult[];
  readonly canonical: readonly CanonicalTiming[];
  /** Long runs of each special path character through the whole stack. */
  readonly hostile: readonly HostileTiming[];
  readonly heap: readonly HeapResult[];
  /** Protected reads with state in one Redis and in a Redis Cluster (when redis-server is there). */
  readonly cluster?: ClusterTiming;
}

const SERVER_CPU = 1;
const LOAD_CPU = 0;
const HEAP_PAGES = 10_000;
const HEAP_WARMUP_PAGES = 500;
const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function selected(options: BenchOptions, id: string): boolean {
  return options.only === undefined || options.only.includes(id);
}

function failuresOf(runs: readonly Measurement[], status: number): number {
  let failures = 0;
  for (const run of runs) {
    failures += run.errors;
    for (const [code, n] of Object.entries(run.statuses))
      if (Number(code) !== status) failures += n;
  }
  return failures;
}

/** Where a scenario's servers listen, by variant name, and their process when it serves only them. */
type Servers = ReadonlyMap<string, { port: number; pid?: number }>;

async function runScenario(
  scenario: Scenario,
  servers: Servers,
  options: BenchOptions,
): Promise<ScenarioResult> {
  const requestOf = (name: string) =>
    scenario.variants.find((v) => v.name === name)?.request ?? scenario.request;
  const port = (name: string) => servers.get(name)!.port;
  const pid = (name: string) => servers.get(name)!.pid;
  const pids = [...servers.values()].flatMap((s) => (s.pid === undefined ? [] : [s.pid]));

  // Same status, headers and body from every server, or the comparison means nothing.
  const mismatches: string[] = [];
  const probes = await Promise.all(
    scenario.variants.map((v) => probe(port(v.name), requestOf(v.name))),
  );
  probes.forEach((p, i) => {
    const name = scenario.variants[i]!.name;
    if (p.status !== scenario.status)
      mismatches.push(`${name}: status ${p.status}, expected ${scenario.status}`);
    if (i > 0)
      for (const d of differences(probes[0]!, p))
        mismatches.push(`${name} vs ${scenario.variants[0]!.name}: ${d}`);
  });

  const load = options.smoke
    ? { connections: 2, amount: 10 }
    : { connections: options.connections, duration: options.duration };
  if (!options.smoke && options.warmup > 0) {
    for (const v of scenario.variants) {
      await settle(pids);
      await measure(port(v.name), requestOf(v.name), {
        connections: options.connections,
        duration: options.warmup,
      });
    }
  }
  const runs = new Map<string, Measurement[]>(scenario.variants.map((v) => [v.name, []]));
  const rounds = options.smoke ? 1 : options.rounds;
  for (let round = 0; round < rounds; round++) {
    // A/B, then B/A: a machine that slows down or speeds up during the run favours no one.
    const order = round % 2 === 0 ? scenario.variants : [...scenario.variants].reverse();
    for (const v of order) {
      if (v.ceiling && round > 0) continue;
      await settle(pids);
      runs.get(v.name)!.push(await measure(port(v.name), requestOf(v.name), load, pid(v.name)));
    }
  }

  const variants: VariantResult[] = scenario.variants.map((v) => {
    const list = runs.get(v.name)!;
    return {
      name: v.name,
      ceiling: v.ceiling ?? false,
      runs: list,
      rps: mean(list.map((r) => r.rps)),
      p50: mean(list.map((r) => r.p50)),
      p99: mean(list.map((r) => r.p99)),
      ...(list.every((r) => r.cpuUs !== undefined)
        ? { cpuUs: mean(list.map((r) => r.cpuUs!)) }
        : {}),
      failures: failuresOf(list, scenario.status),
    };
  });
  const ratios: RatioResult[] = scenario.ratios.map((ratio) => {
    const a = variants.find((v) => v.name === ratio.numerator)!;
    const b = variants.find((v) => v.name === ratio.denominator)!;
    const perRound = a.runs.map((run, i) => run.rps / (b.runs[i] ?? b.runs[0]!).rps);
    return {
      label: ratio.label,
      value: median(perRound),
      min: Math.min(...perRound),
      max: Math.max(...perRound),
      numeratorRps: a.rps,
      denominatorRps: b.rps,
      ...(a.cpuUs && b.cpuUs
        ? {
            cpuValue: median(a.runs.map((run, i) => (b.runs[i] ?? b.runs[0]!).cpuUs! / run.cpuUs!)),
          }
        : {}),
      ...(ratio.target !== undefined ? { target: ratio.target } : {}),
    };
  });
  return { id: scenario.id, title: scenario.title, variants, ratios, mismatches };
}

function verdict(ratio: RatioResult, smoke: boolean): string {
  if (ratio.target === undefined || smoke) return '';
  // Judged as shown, to two decimals: a 0.899 printed as 0.90 meets 0.9.
  const shown = Number(ratio.value.toFixed(2));
  return shown >= ratio.target ? `≥ ${ratio.target} met` : `≥ ${ratio.target} BELOW`;
}

function cpu(us: number | undefined): string {
  return us === undefined ? '-' : fixed(us, 0);
}

function reportScenario(result: ScenarioResult, options: BenchOptions): void {
  const { log } = options;
  log('');
  log(`${result.id}: ${result.title}`);
  const rows = [['  server', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'runs', 'failures']];
  for (const v of result.variants) {
    rows.push([
      `  ${v.name}${v.ceiling ? ' (ceiling)' : ''}`,
      count(v.rps),
      fixed(v.p50, 1),
      fixed(v.p99, 1),
      cpu(v.cpuUs),
      String(v.runs.length),
      String(v.failures),
    ]);
  }
  log(table(rows, 'lrrrrrr'));
  for (const r of result.ratios) {
    const cpuPart = r.cpuValue === undefined ? '' : `; by CPU per request ${fixed(r.cpuValue, 2)}`;
    log(
      `  ${r.label}: ${fixed(r.value, 2)} (rounds ${fixed(r.min, 2)}–${fixed(r.max, 2)}${cpuPart}) ${verdict(r, options.smoke)}`.trimEnd(),
    );
  }
  if (options.smoke) log('  (smoke mode: these numbers measure nothing)');
  for (const m of result.mismatches) log(`  MISMATCH ${m}`);
}

function reportCanonical(timings: readonly CanonicalTiming[], log: (line: string) => void): void {
  log('');
  log(
    'canonicalize: paths of /.., /. and // runs, in-process (µs per call; linear means µs/KiB stays flat)',
  );
  const rows = [['  path', 'canonicalDecoded() µs', 'µs/KiB', 'canonicalize() µs', 'µs/KiB']];
  for (const t of timings) {
    const kib = t.bytes / 1024;
    rows.push([
      `  ${kib} KiB`,
      fixed(t.pureUs, 1),
      fixed(t.pureUs / kib, 2),
      fixed(t.middlewareUs, 1),
      fixed(t.middlewareUs / kib, 2),
    ]);
  }
  log(table(rows, 'lrrrr'));
  const first = timings[0];
  const last = timings[timings.length - 1];
  if (first && last && last !== first) {
    const growth = last.middlewareUs / first.middlewareUs;
    log(
      `  ${last.bytes / first.bytes}× the bytes took ${fixed(growth, 1)}× the time; ${last.bytes / 1024} KiB in ${fixed(last.middlewareUs / 1000, 3)} ms (target < 5 ms: ${last.middlewareUs < 5000 ? 'met' : 'BELOW'})`,
    );
  }
}

/** The sizes of the hostile paths, in bytes of request target. */
export const HOSTILE_SIZES: readonly number[] = [1024, 4096, 16384];

function reportHostile(timings: readonly HostileTiming[], log: (line: string) => void): void {
  if (timings.length === 0) return;
  log('');
  log(
    'hostile-paths: /secret/ + a run of one character + /x through createApp() with secrets, in-process over loopback (µs per request)',
  );
  const header = [
    '  run of',
    ...HOSTILE_SIZES.map((b) => `${b / 1024} KiB µs`),
    'µs/KiB',
    'growth',
    'statuses',
  ];
  const rows = [header];
  const first = HOSTILE_SIZES[0]!;
  const last = HOSTILE_SIZES[HOSTILE_SIZES.length - 1]!;
  let worst = 0;
  for (const t of timings) {
    const growth = t.us.get(last)! / t.us.get(first)!;
    worst = Math.max(worst, growth);
    rows.push([
      `  ${t.label}`,
      ...HOSTILE_SIZES.map((b) => fixed(t.us.get(b)!, 0)),
      fixed(t.us.get(last)! / (last / 1024), 1),
      `${fixed(growth, 1)}×`,
      t.statuses.join(' '),
    ]);
  }
  log(table(rows, `l${'r'.repeat(HOSTILE_SIZES.length + 2)}l`));
  const bytes = last / first;
  log(
    `  ${bytes}× the bytes took at most ${fixed(worst, 1)}× the time (linear: at most ${bytes}×, quadratic work would show ${bytes * bytes}×): ${worst <= bytes * 1.5 ? 'linear' : 'SUPER-LINEAR'}`,
  );
}

function reportHeap(results: readonly HeapResult[], log: (line: string) => void): void {
  if (results.length === 0) return;
  const first = results[0]!;
  log('');
  log(
    `heap: ${count(first.pages)} cached 1 KiB pages (${mib(first.payload)} of payload), growth after full GCs`,
  );
  const rows = [
    [
      '  server',
      'heap',
      'external',
      'heap + external',
      'per page',
      'vs payload',
      'RSS',
      'saves/s',
      'failures',
    ],
  ];
  for (const h of results) {
    const total = h.heapUsed + h.external;
    rows.push([
      `  ${h.name}`,
      mib(h.heapUsed),
      mib(h.external),
      mib(total),
      `${count(total / h.pages)} B`,
      `${fixed(total / h.payload, 2)}×`,
      mib(h.rss),
      count(h.rps),
      String(h.failures),
    ]);
  }
  log(table(rows, 'lrrrrrrrr'));
}

function reportSummary(results: readonly ScenarioResult[], options: BenchOptions): void {
  if (results.length === 0) return;
  const { log } = options;
  log('');
  log(
    'summary (req/s: mean of the rounds; ratio: median of the per-round ratios; by CPU: the same ratio in server CPU time per request, inverted so higher is better)',
  );
  const rows = [['  scenario', 'ratio of', 'req/s', 'vs req/s', 'ratio', 'by CPU', 'target']];
  for (const s of results) {
    for (const r of s.ratios) {
      rows.push([
        `  ${s.id}`,
        r.label,
        count(r.numeratorRps),
        count(r.denominatorRps),
        fixed(r.value, 2),
        r.cpuValue === undefined ? '-' : fixed(r.cpuValue, 2),
        verdict(r, options.smoke),
      ]);
    }
  }
  log(table(rows, 'llrrrrl'));
}

/** Fills a cache server with pages and measures what they take. */
async function runHeap(
  options: BenchOptions,
  hostFor: (variant: string) => Promise<{ host: Host; port: number; close: boolean }>,
): Promise<HeapResult[]> {
  const pages = options.smoke ? 50 : HEAP_PAGES;
  const warm = options.smoke ? 10 : HEAP_WARMUP_PAGES;
  const results: HeapResult[] = [];
  for (const variant of HEAP_VARIANTS) {
    const { host, port, close } = await hostFor(variant.name);
    try {
      let next = 0;
      const fill = (amount: number) =>
        autocannon({
          url: `http://127.0.0.1:${port}/`,
          connections: options.smoke ? 2 : options.connections,
          amount,
          sampleInt: 100,
          requests: [
            {
              method: 'POST',
              headers: FORM_HEADERS,
              body: PAGE_FORM,
              setupRequest: (request) => ({ ...request, path: `/cache/${variant.name}-${next++}` }),
            },
          ],
        });
      await fill(warm);
      const before = await host.memory();
      const filled = await fill(pages);
      const after = await host.memory();
      let failures = filled.errors;
      for (const [code, { count: n }] of Object.entries(filled.statusCodeStats ?? {})) {
        if (code !== '204') failures += Number(n ?? 0);
      }
      results.push({
        name: variant.name,
        pages,
        payload: pages * 1024,
        heapUsed: after.heapUsed - before.heapUsed,
        external: after.external - before.external,
        rss: after.rss - before.rss,
        rps: filled.requests.total / filled.duration,
        failures,
      });
    } finally {
      if (close) await host.close();
    }
  }
  return results;
}

/** Runs the bench and reports as it goes. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { log } = options;
  const pinned = options.pin && !options.smoke && cpus().length >= 2 && canPin();
  const cpuModel = cpus()[0]?.model.trim() ?? 'unknown CPU';
  log(
    options.smoke
      ? 'mixnmatch bench, smoke mode: a few requests per server, no timing'
      : `mixnmatch bench: ${options.rounds} rounds × ${options.duration} s per server (ceilings 1 round), ${options.warmup} s warm-up, ${options.connections} connections, pipelining 1`,
  );
  log(
    `machine: ${cpus().length} × ${cpuModel}, Node ${process.version}; ${pinned ? `servers pinned to CPU ${SERVER_CPU}, load generator to CPU ${LOAD_CPU}` : 'no CPU pinning'}`,
  );
  if (pinned) pin(process.pid, LOAD_CPU);

  const fixtures = createFixtures();
  let scenarios = SCENARIOS.filter((s) => selected(options, s.id));
  // The Redis scenarios get a redis-server of their own, stopped at the end.
  let redis: TestRedis | undefined;
  if (scenarios.some((s) => s.redis)) {
    try {
      redis = await startRedis();
    } catch (err) {
      log(`(no redis-server: the Redis scenarios are left out: ${(err as Error).message})`);
      scenarios = scenarios.filter((s) => !s.redis);
    }
  }
  const env: BenchEnv = {
    root: fixtures.root,
    sessionId: fixtures.sessionId,
    ...(redis ? { redisUrl: redis.url } : {}),
  };
  const wantHeap = selected(options, 'heap');
  let shared: Host | undefined;
  const results: ScenarioResult[] = [];
  let heap: HeapResult[] = [];
  let canonical: CanonicalTiming[] = [];
  let hostile: HostileTiming[] = [];
  let cluster: ClusterTiming | undefined;
  try {
    if (options.smoke) {
      // One process for every server: starting one per server would take longer than the runs.
      const servers = scenarios.flatMap((s) =>
        s.variants.map((v) => ({
          scenario: s.id,
          variant: v.name,
          ...(s.maxHeaderSize ? { maxHeaderSize: s.maxHeaderSize } : {}),
        })),
      );
      if (wantHeap)
        servers.push(...HEAP_VARIANTS.map((v) => ({ scenario: 'heap', variant: v.name })));
      shared = await startHost({ env, servers }, { exposeGc: true });
    }
    let offset = 0;
    for (const scenario of scenarios) {
      let hosts: Host[] = [];
      let servers: Map<string, { port: number; pid?: number }>;
      if (shared) {
        const base = offset;
        servers = new Map(
          scenario.variants.map((v, i) => [v.name, { port: shared!.ports[base + i]! }]),
        );
        offset += scenario.variants.length;
      } else {
        hosts = await Promise.all(
          scenario.variants.map((v) =>
            startHost(
              {
                env,
                servers: [
                  {
                    scenario: scenario.id,
                    variant: v.name,
                    ...(scenario.maxHeaderSize ? { maxHeaderSize: scenario.maxHeaderSize } : {}),
                  },
                ],
              },
              {
                ...(pinned ? { cpu: SERVER_CPU } : {}),
                ...(options.cpuProfileDir
                  ? {
                      cpuProfile: {
                        dir: options.cpuProfileDir,
                        name: `${scenario.id}-${v.name.replace(/\W+/g, '-')}.cpuprofile`,
                      },
                    }
                  : {}),
              },
            ),
          ),
        );
        servers = new Map(
          scenario.variants.map((v, i) => [
            v.name,
            { port: hosts[i]!.ports[0]!, pid: hosts[i]!.pid },
          ]),
        );
      }
      try {
        const result = await runScenario(scenario, servers, options);
        results.push(result);
        reportScenario(result, options);
      } finally {
        await Promise.all(hosts.map((h) => h.close()));
      }
    }

    if (selected(options, 'canonicalize')) {
      canonical = timeCanonicalization([1024, 4096, 16384], options.smoke ? 5 : 400);
      reportCanonical(canonical, log);
    }

    if (selected(options, 'capture-feed')) {
      const timing = await timeCaptureFeed(env, {
        duration: options.smoke ? 0.3 : Math.max(options.duration * 2, 3),
        connections: options.connections,
        ...(pinned ? { cpu: SERVER_CPU } : {}),
      });
      log('');
      log(
        `capture-feed: a bin's feed followed while ${options.connections} connections POST 1 KiB to the bin: ${timing.events} events for ${timing.requests} requests; lateness p50 ${timing.p50} ms, p95 ${timing.p95} ms (goal ≤ 250), max ${timing.max} ms${timing.p95 <= 250 ? '' : ' BELOW the goal'}`,
      );
    }

    if (selected(options, 'redis-cluster')) {
      const timing = (cluster = await timeRedisCluster({
        duration: options.smoke ? 0.3 : Math.max(options.duration * 2, 3),
        connections: options.connections,
        skip: (why) => log(`\nredis-cluster: left out (${why})`),
      }));
      if (timing) {
        const line = (name: string, m: typeof timing.single) =>
          `  ${name}: ${Math.round(m.rps)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms, ${m.statuses['200'] ?? 0} of ${m.requests} answered 200`;
        log('');
        log(
          `redis-cluster: GET of a protected file with a session, mixnmatch --workers 2, ${options.connections} connections; cluster / one Redis = ${(timing.cluster.rps / timing.single.rps).toFixed(2)}`,
        );
        log(line('one Redis', timing.single));
        log(line('3-master cluster', timing.cluster));
      }
    }

    if (selected(options, 'hostile-paths')) {
      hostile = await timeHostilePaths(fixtures.root, HOSTILE_SIZES, options.smoke ? 5 : 300);
      reportHostile(hostile, log);
    }

    if (wantHeap) {
      const heapBase = offset;
      heap = await runHeap(options, async (variant) => {
        if (shared) {
          const index = HEAP_VARIANTS.findIndex((v) => v.name === variant);
          return { host: shared, port: shared.ports[heapBase + index]!, close: false };
        }
        const host = await startHost(
          { env, servers: [{ scenario: 'heap', variant }] },
          { exposeGc: true, ...(pinned ? { cpu: SERVER_CPU } : {}) },
        );
        return { host, port: host.ports[0]!, close: true };
      });
      reportHeap(heap, log);
    }
    reportSummary(results, options);
  } finally {
    await shared?.close();
    await redis?.stop();
    fixtures.remove();
  }
  return { scenarios: results, canonical, hostile, heap, ...(cluster ? { cluster } : {}) };
}
