// The soak test: the built `mixnmatch` command under many connections with a mix of every endpoint; no 5xx, no memory growth.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { PAGE_BYTES } from './fixtures';
import { PAGE_FORM } from './scenarios';
import { untilOutput } from '../test/helpers/process';
import { count, mib, table } from './table';

/** How to run the soak. */
export interface SoakOptions {
  /** Seconds of load. */
  readonly duration: number;
  readonly connections: number;
  /** Where the report goes, a line at a time. */
  readonly log: (line: string) => void;
}

/** What the soak saw. */
export interface SoakResult {
  readonly requests: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly fiveXX: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** Responses whose status was not one their step expects, by step. */
  readonly unexpected: Readonly<Record<string, number>>;
  readonly pagesSaved: number;
  /** The server's resident memory (VmRSS) in bytes: just started, after the warm-up part, at its highest, at the end. Undefined without /proc. */
  readonly rss?: { start: number; warm: number; peak: number; end: number };
  /** The most the RSS may grow after the warm-up: what the cache, its new names and the sessions may hold, plus headroom. */
  readonly rssBudget: number;
  /** Heap + external memory in use after full GCs, after the warm-up and at the end. Undefined without signals. */
  readonly heap?: { warm: number; end: number };
  /** The most that may grow: the same allowance as the RSS's, with less headroom. */
  readonly heapBudget: number;
  /** The server's exit code after SIGTERM. */
  readonly exitCode: number | null;
  /** Whether the soak passed: no errors, no 5xx, no unexpected status, RSS and live heap within budget, a clean stop. */
  readonly ok: boolean;
}

const BIN = path.join(__dirname, '..', 'dist', 'cli', 'index.js');
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const MAX_CACHE_SIZE = 2 * 1024 * 1024;
const MAX_SESSIONS = 1000;
/** Generous costs of what the server keeps for good or up to a cap. */
const BYTES_PER_NAME = 256;
const BYTES_PER_SESSION = 1024;
/** For V8's heap sizing and the allocator: RSS moves by this much without anything leaking. */
const RSS_HEADROOM = 48 * 1024 * 1024;
/** For what is live at the moment of measuring (requests in flight, compiled code). */
const HEAP_HEADROOM = 8 * 1024 * 1024;

/** What each connection carries from one request of its sequence to the next. */
interface Context {
  name?: string;
  cookie?: string;
}

/** One request of the sequence every connection repeats. */
interface Step {
  readonly label: string;
  readonly method?: 'GET' | 'POST' | 'OPTIONS';
  readonly path: string | ((ctx: Context) => string);
  readonly headers?:
    Readonly<Record<string, string>> | ((ctx: Context) => Readonly<Record<string, string>>);
  readonly body?: string;
  /** The statuses this request may get. */
  readonly expect: readonly number[];
  /** Reads what the next steps need from the response. */
  readonly after?: (body: string, headers: Record<string, string>, ctx: Context) => void;
}

let clearAllTick = 0;

const withCookie = (ctx: Context): Record<string, string> =>
  ctx.cookie ? { cookie: ctx.cookie } : {};

/** The mix: the cache's whole life cycle, login then secret then logout, goto, echo, files, listings, and errors. */
const STEPS: readonly Step[] = [
  {
    label: 'GET /cache/new',
    path: '/cache/new',
    expect: [200],
    after: (body, _headers, ctx) => void (ctx.name = body.trim()),
  },
  {
    label: 'POST /cache/{new name}',
    method: 'POST',
    path: (ctx) => `/cache/${ctx.name}`,
    headers: FORM,
    body: PAGE_FORM,
    expect: [204],
  },
  // 410 when another connection's GET /cache/clear came in between.
  { label: 'GET /cache/{name}', path: (ctx) => `/cache/${ctx.name}`, expect: [200, 410] },
  {
    label: 'POST /cache/{name} again',
    method: 'POST',
    path: (ctx) => `/cache/${ctx.name}`,
    headers: FORM,
    body: PAGE_FORM,
    expect: [409],
  },
  { label: 'GET /cache/clear/{name}', path: (ctx) => `/cache/clear/${ctx.name}`, expect: [204] },
  { label: 'GET /cache/{cleared name}', path: (ctx) => `/cache/${ctx.name}`, expect: [410] },
  { label: 'GET /cache/{unknown}', path: (ctx) => `/cache/never-${ctx.name}`, expect: [404] },
  {
    label: 'GET /cache/clear (1 in 100) or /page.html',
    path: () => (++clearAllTick % 100 === 0 ? '/cache/clear' : '/page.html'),
    expect: [200, 204],
  },
  {
    label: 'GET /login',
    path: '/login',
    expect: [200],
    after: (_body, headers, ctx) => {
      const cookie = headers['set-cookie'];
      if (cookie) ctx.cookie = cookie.split(';')[0];
    },
  },
  {
    label: 'GET /secret/page.html, logged in',
    path: '/secret/page.html',
    headers: withCookie,
    expect: [200],
  },
  { label: 'GET /secret/page.html, no session', path: '/secret/page.html', expect: [401] },
  {
    label: 'GET /logout',
    path: '/logout',
    headers: withCookie,
    expect: [200],
  },
  {
    label: 'GET /secret/page.html, logged out',
    path: '/secret/page.html',
    headers: withCookie,
    expect: [401],
  },
  { label: 'GET /goto/http://example.com/x', path: '/goto/http://example.com/x', expect: [307] },
  {
    label: 'GET /goto/foo with a Referer',
    path: '/goto/foo',
    headers: { referer: 'http://example.com/a/' },
    expect: [307],
  },
  {
    label: 'POST /echo',
    method: 'POST',
    path: '/echo',
    headers: FORM,
    body: PAGE_FORM,
    expect: [200],
  },
  { label: 'GET /page.html', path: '/page.html', expect: [200] },
  { label: 'GET /x/..//page.html', path: '/x/..//page.html', expect: [200] },
  { label: 'GET /folder/ (listing)', path: '/folder/', expect: [200] },
  { label: 'GET /missing.txt', path: '/missing.txt', expect: [404] },
  { label: 'GET /%E0%A4%A', path: '/%E0%A4%A', expect: [400] },
  { label: 'POST /page.html', method: 'POST', path: '/page.html', expect: [405] },
  { label: 'OPTIONS /cache/x', method: 'OPTIONS', path: '/cache/x', expect: [200] },
];

/** Response headers by lowercase name (autocannon gives them as sent), repeated ones joined. */
function lowercase(headers: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries((headers ?? {}) as Record<string, unknown>)) {
    result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return result;
}

/** The server's resident memory from /proc, in bytes; undefined where there is no /proc. */
function rssOf(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function serverFolder(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'mixnmatch-soak-'));
  mkdirSync(path.join(root, 'secret'));
  mkdirSync(path.join(root, 'folder'));
  writeFileSync(path.join(root, 'page.html'), PAGE_BYTES);
  writeFileSync(path.join(root, 'secret', 'page.html'), PAGE_BYTES);
  writeFileSync(path.join(root, 'folder', 'a.txt'), 'a');
  writeFileSync(path.join(root, 'folder', 'b.txt'), 'b');
  return root;
}

/**
 * Preloaded into the server (`node --expose-gc -r probe.js`), outside the
 * served folder: on SIGUSR2 it collects garbage fully and prints the heap in
 * use, so a leak shows as live memory rather than as V8's heap sizing.
 */
const PROBE = `process.on('SIGUSR2', () => {
  for (let i = 0; i < 4; i++) globalThis.gc();
  process.stderr.write('SOAK-HEAP ' + JSON.stringify(process.memoryUsage()) + '\\n');
});
`;

/** A started server: its process, URL, and a way to read its heap after full GCs. */
interface Server {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  /** Heap + external memory in use after full garbage collections, in bytes; undefined where signals are not available. */
  settledHeap(): Promise<number | undefined>;
  readonly output: () => string;
}

/** Starts the command and waits for the URL it prints. */
async function startServer(root: string, probeDir: string): Promise<Server> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
  const probe = path.join(probeDir, 'probe.js');
  writeFileSync(probe, PROBE);
  const withProbe = process.platform !== 'win32';
  const child = spawn(
    process.execPath,
    [
      ...(withProbe ? ['--expose-gc', '-r', probe] : []),
      BIN,
      '-p',
      '0',
      '-r',
      root,
      '-S',
      'secret',
      '--max-cache-size',
      String(MAX_CACHE_SIZE),
    ],
    { stdio: 'pipe' },
  );
  let output = '';
  let heapWaiters: ((bytes: number) => void)[] = [];
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    for (const match of text.matchAll(/^SOAK-HEAP (.*)$/gm)) {
      const usage = JSON.parse(match[1]!) as NodeJS.MemoryUsage;
      for (const resolve of heapWaiters) resolve(usage.heapUsed + usage.external);
      heapWaiters = [];
    }
    output += text.replace(/^SOAK-HEAP .*\n/gm, '');
  });
  const settledHeap = (): Promise<number | undefined> => {
    if (!withProbe || child.exitCode !== null) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      heapWaiters.push(resolve);
      child.kill('SIGUSR2');
    });
  };
  try {
    const match = await untilOutput(child, () => output, /listening on (http:\/\/\S+)/);
    return { child, url: match[1]!.replace(/\/$/, ''), settledHeap, output: () => output };
  } catch {
    child.kill('SIGKILL');
    throw new Error(`mixnmatch did not start: ${output}`);
  }
}

/** The load: every connection repeats {@link STEPS}; `tally` counts each step's responses. */
function load(
  url: string,
  options: SoakOptions,
  tally: { requests: number; unexpected: number }[],
): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: options.connections,
    pipelining: 1,
    duration: options.duration,
    sampleInt: 100,
    requests: STEPS.map((step, i) => ({
      method: step.method ?? 'GET',
      ...(step.body !== undefined ? { body: step.body } : {}),
      ...(typeof step.path === 'string' ? { path: step.path } : {}),
      ...(typeof step.headers === 'object' ? { headers: { ...step.headers } } : {}),
      ...(typeof step.path === 'function' || typeof step.headers === 'function'
        ? {
            setupRequest: (request: autocannon.Request, context: object) => {
              const ctx = context as Context;
              return {
                ...request,
                ...(typeof step.path === 'function' ? { path: step.path(ctx) } : {}),
                ...(typeof step.headers === 'function'
                  ? { headers: { ...request.headers, ...step.headers(ctx) } }
                  : {}),
              };
            },
          }
        : {}),
      onResponse: (status: number, body: string, context: object, headers: unknown) => {
        tally[i]!.requests++;
        if (!step.expect.includes(status)) tally[i]!.unexpected++;
        if (step.after) step.after(body, lowercase(headers), context as Context);
      },
    })),
  });
}

/** What the server may keep, beyond what it holds once warm: the cache's bytes, the names saved since, the sessions. */
function allowance(namesSince: number): number {
  return MAX_CACHE_SIZE + namesSince * BYTES_PER_NAME + MAX_SESSIONS * BYTES_PER_SESSION;
}

/** Runs the soak and reports. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const { log } = options;
  const root = serverFolder();
  const probeDir = mkdtempSync(path.join(tmpdir(), 'mixnmatch-soak-probe-'));
  const server = await startServer(root, probeDir);
  const { child, url } = server;
  const pid = child.pid!;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const tally = STEPS.map(() => ({ requests: 0, unexpected: 0 }));
  const saved = () => tally[1]!.requests - tally[1]!.unexpected;
  try {
    log(
      `mixnmatch soak: ${options.connections} connections for ${options.duration} s, ${STEPS.length} kinds of request, against node ${path.relative(process.cwd(), BIN)} (pid ${pid}) on ${url}`,
    );
    const start = rssOf(pid);
    const samples: number[] = [];
    const sampler = setInterval(() => {
      const rss = rssOf(pid);
      if (rss !== undefined) samples.push(rss);
    }, 250);
    // The first sixth of the run warms the server up: V8 sizes its heap to the load there.
    let warm: { rss?: number; heap?: number; names: number } | undefined;
    const warmTimer = setTimeout(
      () => {
        const rss = rssOf(pid);
        const names = saved();
        void server.settledHeap().then((heap) => {
          warm = {
            ...(rss !== undefined ? { rss } : {}),
            ...(heap !== undefined ? { heap } : {}),
            names,
          };
        });
      },
      (options.duration * 1000) / 6,
    );
    let result: autocannon.Result;
    try {
      result = await load(url, options, tally);
    } finally {
      clearInterval(sampler);
      clearTimeout(warmTimer);
    }
    const end = rssOf(pid);
    const endHeap = await server.settledHeap();
    const pagesSaved = saved();

    const statuses: Record<string, number> = {};
    for (const [status, { count: n }] of Object.entries(result.statusCodeStats ?? {})) {
      statuses[status] = Number(n ?? 0);
    }
    const fiveXX = Object.entries(statuses)
      .filter(([status]) => Number(status) >= 500)
      .reduce((sum, [, n]) => sum + n, 0);
    const unexpected: Record<string, number> = {};
    STEPS.forEach((step, i) => {
      if (tally[i]!.unexpected > 0) unexpected[step.label] = tally[i]!.unexpected;
    });
    const namesSince = pagesSaved - (warm?.names ?? 0);
    const rss =
      start !== undefined && end !== undefined && warm?.rss !== undefined
        ? { start, warm: warm.rss, peak: Math.max(start, end, ...samples), end }
        : undefined;
    const heap =
      warm?.heap !== undefined && endHeap !== undefined
        ? { warm: warm.heap, end: endHeap }
        : undefined;
    const rssBudget = allowance(namesSince) + RSS_HEADROOM;
    const heapBudget = allowance(namesSince) + HEAP_HEADROOM;

    child.kill('SIGTERM');
    const exitCode = await exited;
    const ok =
      result.errors === 0 &&
      fiveXX === 0 &&
      Object.keys(unexpected).length === 0 &&
      (rss === undefined || rss.end - rss.warm <= rssBudget) &&
      (heap === undefined || heap.end - heap.warm <= heapBudget) &&
      exitCode === 0;

    log('');
    log(
      table(
        [
          ['  request', 'count', 'unexpected status'],
          ...STEPS.map((step, i) => [
            `  ${step.label}`,
            count(tally[i]!.requests),
            String(tally[i]!.unexpected),
          ]),
        ],
        'lrr',
      ),
    );
    log('');
    const sixths =
      samples.length >= 6
        ? [1, 2, 3, 4, 5, 6].map(
            (sixth) =>
              samples[Math.min(samples.length - 1, Math.floor((samples.length * sixth) / 6))]!,
          )
        : [];
    const allowed = `cache ${mib(MAX_CACHE_SIZE)} + ${count(namesSince)} new names ${mib(namesSince * BYTES_PER_NAME)} + sessions ${mib(MAX_SESSIONS * BYTES_PER_SESSION)}`;
    const rows = [
      [
        '  requests served',
        `${count(result.requests.total)} (${count(result.requests.total / result.duration)}/s)`,
      ],
      ['  errors', `${result.errors} (timeouts ${result.timeouts})`],
      ['  5xx', String(fiveXX)],
      [
        '  statuses',
        Object.entries(statuses)
          .map(([s, n]) => `${s}: ${count(n)}`)
          .join(', '),
      ],
      ['  unexpected', String(Object.values(unexpected).reduce((a, b) => a + b, 0))],
      [
        '  pages saved',
        `${count(pagesSaved)} (each name stays taken; the cache keeps at most 100,000 names)`,
      ],
      [
        '  server RSS',
        rss
          ? `start ${mib(rss.start)}, after the warm-up ${mib(rss.warm)}, peak ${mib(rss.peak)}, end ${mib(rss.end)}`
          : 'not available (no /proc)',
      ],
      ['  RSS over time', sixths.length ? sixths.map(mib).join(' → ') : '-'],
      [
        '  RSS growth',
        rss
          ? `${mib(rss.end - rss.warm)} after the warm-up; allowed ${mib(rssBudget)} (${allowed} + ${mib(RSS_HEADROOM)} for V8's heap sizing)`
          : '-',
      ],
      [
        '  live heap',
        heap
          ? `${mib(heap.warm)} after the warm-up, ${mib(heap.end)} at the end (heap + external after full GCs): ${mib(heap.end - heap.warm)} growth; allowed ${mib(heapBudget)} (${allowed} + ${mib(HEAP_HEADROOM)})`
          : 'not measured',
      ],
      ['  server stop', `exit code ${exitCode} after SIGTERM`],
      ['  verdict', ok ? 'ok' : 'FAILED'],
    ];
    log(table(rows, 'll'));
    return {
      requests: result.requests.total,
      errors: result.errors,
      timeouts: result.timeouts,
      fiveXX,
      statuses,
      unexpected,
      pagesSaved,
      ...(rss ? { rss } : {}),
      ...(heap ? { heap } : {}),
      rssBudget,
      heapBudget,
      exitCode,
      ok,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
    rmSync(probeDir, { recursive: true, force: true });
  }
}

const HELP = `Usage: npm run soak -- [options]

  --duration <s>      seconds of load (env SOAK_DURATION; default 30)
  --connections <n>   concurrent connections (env SOAK_CONNECTIONS; default 64)
  -h, --help          this help`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      connections: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const number = (name: string, value: string | undefined, fallback: number) => {
    const n = Number(value ?? fallback);
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`${name} must be a positive number (got ${value})`);
    return n;
  };
  const result = await runSoak({
    duration: number('--duration', values.duration ?? process.env.SOAK_DURATION, 30),
    connections: Math.round(
      number('--connections', values.connections ?? process.env.SOAK_CONNECTIONS, 64),
    ),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  if (!result.ok) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`soak: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
