// The capture dashboard: the inspection page, its JSON API, live feeds and HAR, open on loopback only unless a token is given.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { parse as parseCookies } from 'cookie';
import { bodyReader } from '../http/body';
import { ConfigError, HttpError } from '../shared/errors';
import { assertNotMiddlewareCall, optionsObject, show, storeOption } from '../shared/options';
import { queryParam } from '../http/respond';
import { sse } from '../http/sse';
import type { CaptureStore } from '../types';
import { packageVersion } from '../shared/version';
import { peekRecord, recordOf } from '../shared/request-record';
import { curlOf, harOf } from './har';
import { compareHitIds, HIT_ID, newBinId, type Hit } from './hit';
import { MAX_HITS_PAGE } from './memory-store';
import { parseBinResponse } from './response';

/** Options for the capture dashboard. */
export interface DashboardOptions {
  /** Where the bins and hits are: the `capture()` store's. Required by `dashboard()`; `capture()` gives its own. */
  store?: CaptureStore;
  /** Where it is mounted (its API under `{prefix}/api/`). Defaults to `'/_mixnmatch'`. */
  prefix?: string;
  /**
   * A token the page and the API ask for (`?token=` once in the page's URL,
   * then a cookie; `Authorization: Bearer` for the API). Without one they
   * answer only requests to a loopback address with a loopback `Host`.
   * Defaults to none.
   */
  token?: string;
  /** Lines about the server the page shows (the command's banner). Defaults to none. */
  facts?: readonly string[];
  /**
   * Signs the key the page carries (a browser's request to the API needs
   * it, see docs/capture.md). Processes that serve one dashboard, such as
   * workers, need the same. Defaults to one derived from `token`, or, with
   * none, a random one per process.
   */
  secret?: string;
}

/** {@link DashboardOptions} after checking. */
export interface ParsedDashboardOptions {
  prefix: string;
  token: string | undefined;
  facts: readonly string[];
  secret: string | undefined;
}

const EXAMPLE = "capture({ dashboard: { prefix: '/_mixnmatch', token: process.env.TOKEN } })";

/** Checks the dashboard's options. */
export function parseDashboardOptions(opts: unknown): ParsedDashboardOptions {
  const options = optionsObject(
    'capture',
    opts,
    ['store', 'prefix', 'token', 'facts', 'secret'],
    EXAMPLE,
  );
  const prefix = options.prefix ?? '/_mixnmatch';
  if (typeof prefix !== 'string' || !/^(\/[A-Za-z0-9._~-]+)+$/.test(prefix)) {
    throw new ConfigError(
      'capture',
      `"dashboard.prefix" must be a path such as /_mixnmatch, of plain segments (got ${show(prefix)}).`,
      EXAMPLE,
      'dashboard.prefix',
    );
  }
  for (const name of ['token', 'secret'] as const) {
    const value = options[name];
    if (
      value !== undefined &&
      (typeof value !== 'string' || value.length < 16 || !/^[\x21-\x7e]+$/.test(value))
    ) {
      throw new ConfigError(
        'capture',
        `"dashboard.${name}" must be at least 16 printable characters (no spaces).`,
        EXAMPLE,
        `dashboard.${name}`,
      );
    }
  }
  const facts = options.facts ?? [];
  if (!Array.isArray(facts) || !facts.every((f) => typeof f === 'string')) {
    throw new ConfigError(
      'capture',
      '"dashboard.facts" must be a list of strings.',
      EXAMPLE,
      'dashboard.facts',
    );
  }
  return {
    prefix,
    token: options.token as string | undefined,
    facts: facts as string[],
    secret: options.secret as string | undefined,
  };
}

/** How a request to the dashboard showed it may look: the page carries its key for any but the cookie (see `indexHtml`). */
type DashboardAccess = 'loopback' | 'bearer' | 'cookie';

declare module '../shared/request-record' {
  interface RequestRecord {
    /** How the request showed the dashboard it may look. */
    dashboardAccess?: DashboardAccess;
  }
}

/** The page's files, read once. */
const PAGE = path.join(__dirname, 'page');
const FILES: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'index.html': 'text/html; charset=utf-8',
};
const loaded = new Map<string, Buffer>();
function pageFile(name: string): Buffer {
  let file = loaded.get(name);
  if (!file) loaded.set(name, (file = readFileSync(path.join(PAGE, name))));
  return file;
}

/** Nothing but the page's own files, no inline script or style, never framed. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const COOKIE = 'mixnmatch_dashboard';

/** A Host that names this machine's loopback: `localhost` (and `*.localhost`), 127.x.x.x, [::1]; any port. */
function loopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(name) ||
    name === '[::1]'
  );
}

function loopbackAddress(address: string | undefined): boolean {
  return address !== undefined && (/^(::ffff:)?127\./.test(address) || address === '::1');
}

/** Compares a presented token with the dashboard's in constant time. */
function tokenMatches(given: string | undefined, digest: Buffer): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(createHash('sha256').update(given).digest(), digest);
}

function sendJson(res: Response, status: number, value: unknown): void {
  const body = Buffer.from(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/**
 * The dashboard as a Router (mount it at its prefix): the page at `/`, and
 * the API under `/api/`. Every answer is `no-store`, never framed, never
 * sniffed; the page runs only its own script, under a CSP of `'self'`, and
 * shows everything captured as text. Without a token, only requests to a
 * loopback address with a loopback `Host` are answered (a page on another
 * site cannot read it, nor can a DNS name rebound to 127.0.0.1); with one,
 * every request needs it.
 */
export function dashboardRouter(store: CaptureStore, options: ParsedDashboardOptions): Router {
  const router = express.Router({ caseSensitive: true, strict: false });
  const digest =
    options.token === undefined ? undefined : createHash('sha256').update(options.token).digest();
  const readBody = bodyReader(1024 * 1024 + 65_536, 'A bin’s response is at most 1 MiB.');

  // The key the page carries (a browser's request to the API must present
  // it): a page of the app's own origin that is not the dashboard (one
  // `/echo` or `/cache` serves, say) cannot read it, so cannot use the API.
  const pageKey = createHmac('sha256', options.secret ?? options.token ?? randomBytes(32))
    .update('mixnmatch dashboard page key')
    .digest('base64url');
  const keyDigest = createHash('sha256').update(pageKey).digest();
  const bearerOf = (req: Request) => /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];

  router.use(function dashboardAccess(req: Request, res: Response, next: NextFunction) {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    let by: DashboardAccess;
    if (digest === undefined) {
      if (!loopbackAddress(req.socket.localAddress) || !loopbackHost(req.headers.host)) {
        return next(
          new HttpError(
            403,
            'The dashboard answers only on a loopback address and Host (127.0.0.1, localhost) unless it has a token: start the command with --capture-token, or give capture({ dashboard: { token } }).',
          ),
        );
      }
      by = 'loopback';
    } else if (tokenMatches(bearerOf(req), digest)) {
      by = 'bearer';
    } else {
      const cookie = req.headers.cookie ? parseCookies(req.headers.cookie)[COOKIE] : undefined;
      if (!tokenMatches(cookie, digest)) return askForToken(req, res, next);
      by = 'cookie';
    }
    recordOf(req).dashboardAccess = by;
    if (by === 'bearer') return next();
    // Whatever else asks, a page of the app's own origin could ask too: a
    // browser sends the cookie with its requests, and on loopback nothing is
    // needed. Browsers tell a page's request apart (Fetch Metadata, which a
    // page cannot set) on a loopback or https origin only: over plain http
    // elsewhere a request with the cookie is taken as a page's.
    const site = req.headers['sec-fetch-site'];
    const fromAPage = site !== undefined ? site !== 'none' : by === 'cookie';
    if (req.path === '/api' || req.path.startsWith('/api/')) {
      if (!fromAPage) return next();
      const key = req.get('x-mixnmatch-key') ?? queryParam(req, 'key');
      if (tokenMatches(key, keyDigest)) return next();
      return next(
        new HttpError(
          403,
          'A page’s request to the dashboard API needs the key the dashboard page carries: use the dashboard page, or send Authorization: Bearer <token>.',
        ),
      );
    }
    if (req.path === '/' && site !== undefined && req.headers['sec-fetch-dest'] !== 'document') {
      return next(
        new HttpError(
          403,
          'The dashboard page opens only as a page of its own (not framed or fetched).',
        ),
      );
    }
    next();
  });

  /** With a token: `?token=` once on a page's URL becomes a cookie; anything else is a 401. */
  function askForToken(req: Request, res: Response, next: NextFunction): void {
    const given = queryParam(req, 'token');
    if ((req.method === 'GET' || req.method === 'HEAD') && tokenMatches(given, digest!)) {
      // Once in the URL, then a cookie: the token leaves the address bar and the history.
      res.appendHeader(
        'Set-Cookie',
        `${COOKIE}=${encodeURIComponent(given!)}; Path=${req.baseUrl}/; HttpOnly; SameSite=Strict${req.secure ? '; Secure' : ''}`,
      );
      // The page's key goes in the fragment, which no request carries: the
      // page keeps it (in its tab's sessionStorage), the cookie alone does not give it.
      res.setHeader(
        'Location',
        `${req.baseUrl}${req.path === '/' ? '/' : req.path}${req.path === '/' ? `#key=${pageKey}` : ''}`,
      );
      res.statusCode = 303;
      return void res.end();
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="mixnmatch dashboard"');
    next(
      new HttpError(
        401,
        'The dashboard needs its token: open the URL the command printed, or send Authorization: Bearer <token>.',
      ),
    );
  }

  // The page, with its key where the request shows it is the page itself
  // (a navigation, or a client with the token or on loopback that is no
  // browser); else without, and it takes the key from its URL's fragment.
  // Opened by another page, it keeps no handle on it.
  const html = pageFile('index.html').toString('utf8');
  const keyed = Buffer.from(
    html.replace('<html lang="en">', `<html lang="en" data-key="${pageKey}">`),
  );
  const unkeyed = Buffer.from(html);
  const indexHtml = (req: Request) =>
    peekRecord(req)?.dashboardAccess !== 'cookie' || req.headers['sec-fetch-dest'] === 'document'
      ? keyed
      : unkeyed;
  const page = (name: string) => (req: Request, res: Response) => {
    if (name === 'index.html' && !req.originalUrl.split('?')[0]!.endsWith('/')) {
      // The page's own files are relative to it: it lives at the prefix's folder.
      res.setHeader('Location', `${req.baseUrl}/`);
      res.statusCode = 301;
      return void res.end();
    }
    res.setHeader('Content-Type', FILES[name]!);
    if (name === 'index.html') {
      res.setHeader('Content-Security-Policy', CSP);
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    }
    const body = name === 'index.html' ? indexHtml(req) : pageFile(name);
    res.setHeader('Content-Length', body.length);
    res.end(body);
  };
  router.get('/', page('index.html'));
  router.get('/app.js', page('app.js'));
  router.get('/style.css', page('style.css'));

  /** The bin an API path names, or a 404. */
  const binOf = async (req: Request) => {
    const id = String(req.params.id);
    const bin = await store.getBin(id);
    if (!bin) throw new HttpError(404, `No bin ${JSON.stringify(id)}.`);
    return bin;
  };

  router.get('/api/info', (_req, res) => {
    sendJson(res, 200, { version: packageVersion(), facts: options.facts, prefix: options.prefix });
  });
  router.get('/api/bins', async (_req, res) => {
    sendJson(res, 200, { bins: await store.listBins() });
  });
  router.post('/api/bins', async (req, res) => {
    const body = await readBody(req, res);
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : '';
    let response;
    if (text.trim() !== '') {
      try {
        response = parseBinResponse(JSON.parse(text));
      } catch (err) {
        throw err instanceof HttpError
          ? err
          : new HttpError(400, 'The body must be a JSON response for the bin, or empty.');
      }
    }
    let id = newBinId();
    while (!(await store.createBin(id, response))) id = newBinId();
    sendJson(res, 201, await binOf({ params: { id } } as unknown as Request));
  });
  router.get('/api/feed', (req, res) => feed(req, res, undefined));
  router.get('/api/bins/:id.har', async (req, res) => {
    const bin = await binOf(req);
    const hits = await allHits(store, bin.id);
    res.setHeader('Content-Disposition', `attachment; filename="${bin.id}.har"`);
    sendJson(res, 200, harOf(hits, packageVersion()));
  });
  router.get('/api/bins/:id', async (req, res) => sendJson(res, 200, await binOf(req)));
  router.delete('/api/bins/:id', async (req, res) => {
    const bin = await binOf(req);
    await store.deleteBin(bin.id);
    res.statusCode = 204;
    res.end();
  });
  router.get('/api/bins/:id/response', async (req, res) => {
    sendJson(res, 200, { response: (await binOf(req)).response ?? null });
  });
  router.put('/api/bins/:id/response', async (req, res) => {
    const bin = await binOf(req);
    const body = await readBody(req, res);
    let parsed: unknown;
    try {
      parsed = JSON.parse(
        Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body ?? null),
      );
    } catch {
      throw new HttpError(
        400,
        'The body must be JSON: { status, headers, body, bodyBase64, delayMs, sequence }.',
      );
    }
    const response = parsed === null ? undefined : parseBinResponse(parsed);
    await store.setResponse(bin.id, response);
    sendJson(res, 200, { response: response ?? null });
  });
  router.get('/api/bins/:id/hits', async (req, res) => {
    const bin = await binOf(req);
    const since = queryParam(req, 'since');
    if (since !== undefined && !HIT_ID.test(since))
      throw new HttpError(400, '"since" must be a hit id.');
    const limitText = queryParam(req, 'limit');
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HITS_PAGE) {
      throw new HttpError(400, `"limit" must be an integer from 1 to ${MAX_HITS_PAGE}.`);
    }
    const label = queryParam(req, 'label');
    const method = queryParam(req, 'method');
    const hits = await store.hits(bin.id, {
      limit,
      ...(since !== undefined ? { since } : {}),
      ...(label !== undefined ? { label } : {}),
      ...(method !== undefined ? { method: method.toUpperCase() } : {}),
    });
    sendJson(res, 200, { hits, evicted: bin.evicted });
  });
  router.get('/api/bins/:id/feed', async (req, res) => feed(req, res, (await binOf(req)).id));
  const hitOf = async (req: Request): Promise<Hit> => {
    const bin = await binOf(req);
    const id = String(req.params.hit);
    const hit = HIT_ID.test(id) ? await store.hit(bin.id, id) : undefined;
    if (!hit) throw new HttpError(404, `No hit ${JSON.stringify(id)} in bin ${bin.id}.`);
    return hit;
  };
  router.get('/api/bins/:id/hits/:hit', async (req, res) => sendJson(res, 200, await hitOf(req)));
  router.get('/api/bins/:id/hits/:hit/curl', async (req, res) => {
    const body = Buffer.from(`${curlOf(await hitOf(req))}\n`, 'utf8');
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Content-Length', body.length);
    res.end(body);
  });
  router.delete('/api/bins/:id/hits/:hit', async (req, res) => {
    const hit = await hitOf(req);
    await store.deleteHit(hit.bin, hit.id);
    res.statusCode = 204;
    res.end();
  });
  router.use('/api', (_req, _res, next) => next(new HttpError(404, 'No such API endpoint.')));

  /**
   * A feed of hits as Server-Sent Events, one `hit` event each, its id the
   * hit's. A client that reconnects with `Last-Event-ID` (or asks
   * `?since=`) first gets every hit after that one, then the live ones:
   * the live ones are held while the missed ones are read, and any id not
   * after the last one sent is skipped, so none comes twice or is lost.
   */
  async function feed(req: Request, res: Response, bin: string | undefined): Promise<void> {
    const asked = req.headers['last-event-id'] ?? queryParam(req, 'since');
    let last = typeof asked === 'string' && HIT_ID.test(asked) ? asked : undefined;
    const stream = sse(res, { retry: 1000 });
    const deliver = (hit: Hit) => {
      if (last !== undefined && compareHitIds(hit.id, last) <= 0) return;
      last = hit.id;
      stream.send(hit, { event: 'hit', id: hit.id });
    };
    let held: Hit[] | undefined = [];
    const unsubscribe = store.subscribe(bin, (hit) => (held ? held.push(hit) : deliver(hit)));
    stream.onClose(unsubscribe);
    try {
      if (last !== undefined) {
        const missed: Hit[] = [];
        for (const id of bin === undefined ? (await store.listBins()).map((b) => b.id) : [bin]) {
          missed.push(...(await allHits(store, id, last)));
        }
        missed.sort((a, b) => compareHitIds(a.id, b.id));
        // At the pace the client reads: a long backlog is never dropped as a stalled client.
        for (const hit of missed) {
          if (stream.closed) break;
          deliver(hit);
          if (res.writableLength > BACKLOG_BUFFER) await stream.drained();
        }
      }
    } finally {
      const waiting = held;
      held = undefined;
      for (const hit of waiting) deliver(hit);
    }
  }

  return router;
}

/** Bytes a feed's backlog may wait in before it waits for the client. */
const BACKLOG_BUFFER = 1024 * 1024;

/** Every hit a bin holds (after `since`), page by page. */
async function allHits(store: CaptureStore, bin: string, since?: string): Promise<Hit[]> {
  const hits: Hit[] = [];
  let after = since;
  for (;;) {
    const page = await store.hits(bin, {
      limit: MAX_HITS_PAGE,
      ...(after !== undefined ? { since: after } : {}),
    });
    hits.push(...page);
    if (page.length < MAX_HITS_PAGE) return hits;
    after = page[page.length - 1]!.id;
  }
}

/**
 * The capture dashboard as a Router of its own, on the store a `capture()`
 * keeps its bins in, for an app that mounts it apart:
 *
 * ```ts
 * const store = new MemoryCaptureStore();
 * app.use(mixnmatch.capture({ store, dashboard: false }));
 * app.use('/inspect', mixnmatch.dashboard({ store, prefix: '/inspect' }));
 * ```
 */
export function dashboard(opts: DashboardOptions): Router {
  assertNotMiddlewareCall('dashboard', opts);
  const store = storeOption<CaptureStore>(
    'dashboard',
    'store',
    (opts as { store?: unknown } | undefined)?.store,
    'CaptureStore',
    ['listBins', 'getBin', 'hits', 'hit', 'subscribe'],
    'dashboard({ store })',
  );
  return dashboardRouter(store, parseDashboardOptions(opts));
}
