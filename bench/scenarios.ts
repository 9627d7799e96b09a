// The bench scenarios: for each, the request, the mixnmatch app, a plain Express app doing the same work by hand, and a node:http ceiling.
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { parseCookie } from 'cookie';
import { RedisStore } from 'connect-redis';
import expressSession from 'express-session';
import { createClient } from 'redis';
import mime from 'mime-types';
import serveStaticFiles from 'serve-static';
import {
  auth,
  cache,
  canonicalize,
  createApp,
  endpoints,
  MemoryCaptureStore,
  MemoryPageStore,
  MemorySessionStore,
  RedisPageStore,
  RedisSessionStore,
  serveStatic,
  type PageStore,
  type SessionStore,
} from '../src';
import { PAGE, PAGE_BYTES, SESSION_COOKIE, SESSION_ID, type BenchEnv } from './fixtures';
import { pageEtag } from '../src/cache/etag';

/** One request, sent over and over by every connection. */
export interface BenchRequest {
  readonly method?: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** One server of a scenario. */
export interface Variant {
  /** Its name in the table. */
  readonly name: string;
  /** Builds the request listener the server runs (in its own child process). */
  readonly build: (env: BenchEnv) => RequestListener | Promise<RequestListener>;
  /** This server's request, when it differs from the scenario's. */
  readonly request?: BenchRequest;
  /** A reference point (the node:http ceiling): measured in the first round only. */
  readonly ceiling?: boolean;
}

/** A ratio shown under a scenario: requests/s of `numerator` over `denominator`. */
export interface Ratio {
  readonly label: string;
  readonly numerator: string;
  readonly denominator: string;
  /** The least value that meets the target, if there is a target. */
  readonly target?: number;
}

/** A scenario: servers doing the same work, run A/B/A/B against the same request. */
export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly request: BenchRequest;
  /** The status every server must answer `request` with. */
  readonly status: number;
  readonly variants: readonly Variant[];
  readonly ratios: readonly Ratio[];
  /** Node's limit on a request head, raised for long paths. Defaults to Node's 16 KiB. */
  readonly maxHeaderSize?: number;
  /** Needs the redis-server the bench starts (`env.redisUrl`). */
  readonly redis?: boolean;
}

const MiB = 1024 * 1024;
const NO_CACHE = 'no-cache, no-store, must-revalidate';
const MIXNMATCH_VS_PLAIN: readonly Ratio[] = [
  { label: 'mixnmatch / plain', numerator: 'mixnmatch', denominator: 'plain', target: 0.9 },
];

/** A node-redis client of the bench's redis-server, connected. */
async function redisClient(env: BenchEnv) {
  if (!env.redisUrl) throw new Error('this scenario needs the redis-server the bench starts');
  const client = createClient({ url: env.redisUrl });
  await client.connect();
  return client;
}

/** The secret of the express-session app, and the cookie its requests carry, signed as express-session signs it. */
const EXPRESS_SESSION_SECRET = 'bench-secret';
const EXPRESS_SESSION_COOKIE = `connect.sid=${encodeURIComponent(
  `s:${SESSION_ID}.${createHmac('sha256', EXPRESS_SESSION_SECRET).update(SESSION_ID).digest('base64').replace(/=+$/, '')}`,
)}`;

/** An Express app without `X-Powered-By`, so every server sends the same headers. */
function expressApp(): express.Express {
  const app = express();
  app.disable('x-powered-by');
  return app;
}

/** What `res.send(text)` sends, written by hand for the node:http ceilings: the body, its type and its weak ETag. */
function sendText(res: ServerResponse, text: string, status = 200): void {
  const body = Buffer.from(text, 'utf8');
  const hash = createHash('sha1').update(body).digest('base64').slice(0, 27);
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.setHeader('ETag', `W/"${body.length.toString(16)}-${hash}"`);
  res.end(body);
}

function sendBytes(res: ServerResponse, data: Buffer, type: string): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', data.length);
  res.end(data);
}

function sendStatus(res: ServerResponse, status: number): void {
  res.statusCode = status;
  res.setHeader('Content-Length', 0);
  res.end();
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** A session store holding the bench's one session, for auth() and createApp(). */
function sessionStore(env: BenchEnv): MemorySessionStore {
  const store = new MemorySessionStore();
  const now = Date.now();
  store.set(env.sessionId, { createdAt: now, expiresAt: now + 86_400_000 });
  return store;
}

/** The session check a plain app writes by hand: the cookie, looked up in a Map of live sessions. */
function sessionOf(
  req: IncomingMessage,
  sessions: ReadonlyMap<string, number>,
): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  const id = parseCookie(header).SESSION;
  if (id === undefined) return undefined;
  const expiresAt = sessions.get(id);
  return expiresAt !== undefined && expiresAt > Date.now() ? id : undefined;
}

function liveSessions(env: BenchEnv): Map<string, number> {
  return new Map([[env.sessionId, Date.now() + 86_400_000]]);
}

/** Whether a canonical path has a `secret` segment: the plain apps' version of `secrets: ['secret']`. */
function isSecret(canonicalPath: string): boolean {
  return canonicalPath.toLowerCase().split('/').includes('secret');
}

/**
 * Canonicalising a path by hand, as a plain app would: decode, then
 * `path.posix.normalize`. Nothing to do for a path without `%`, `//` or `/.`.
 */
function canonicalByHand(url: string): string | undefined {
  const q = url.indexOf('?');
  const target = q === -1 ? url : url.slice(0, q);
  if (!/%|\/\/|\/\./.test(target)) return url;
  let decoded: string;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  return encodeURI(path.posix.normalize(decoded)) + (q === -1 ? '' : url.slice(q));
}

function canonicalMiddleware(req: Request, res: Response, next: NextFunction): void {
  const url = canonicalByHand(req.url);
  if (url === undefined) return void res.status(400).end();
  req.url = url;
  next();
}

/** The page type a form's `type` field gives, as `cache()` documents it: known MIME types only. */
function pageTypeByHand(type: unknown): string {
  if (typeof type !== 'string') return 'text/plain';
  const essence = type.split(';')[0]!.trim().toLowerCase();
  return mime.extension(essence) ? essence : 'text/plain';
}

/**
 * serve-static, behind the check a hand-written server needs to keep
 * symbolic links from serving files outside the root (as serveStatic()
 * does): the real location of the path must be inside the root's.
 */
function staticFiles(env: BenchEnv) {
  const files = serveStaticFiles(env.root, { cacheControl: false });
  const inside = insideRoot(env.root);
  return (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => {
    if (!inside(pathOf(req.url ?? '/'))) return sendStatus(res, 404);
    files(req, res, next);
  };
}

/** True when the real location of a URL path under `root` is inside `root` (or does not exist). */
function insideRoot(root: string): (urlPath: string) => boolean {
  const real = realpathSync(root);
  return (urlPath) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(urlPath);
    } catch {
      return true;
    }
    const named = path.join(real, decoded);
    let resolved: string;
    try {
      resolved = realpathSync.native(named);
    } catch {
      return true;
    }
    return resolved === named || resolved.startsWith(real + path.sep);
  };
}

/** express.static with the same check, as a hand-written app serving files safely has it. */
function expressStatic(env: BenchEnv): express.RequestHandler[] {
  const inside = insideRoot(env.root);
  return [
    (req, res, next) => (inside(req.path) ? next() : void res.sendStatus(404)),
    express.static(env.root, { cacheControl: false }),
  ];
}

/** A 1 KiB page as `POST /echo` and `POST /cache/{name}` take it: a form with `type` and `data`. */
export const PAGE_FORM = `type=text%2Fhtml&data=${encodeURIComponent(PAGE)}`;
const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded' };

/** A path of exactly `bytes` bytes made of `/..`, `/.` and `//` runs, whose canonical form is `/end/page.html`. */
export function dotPath(bytes: number): string {
  const unit = '/a/b/c' + '/.'.repeat(3) + '//'.repeat(3) + '/..'.repeat(3);
  const tail = '/end/page.html';
  const body = unit.repeat(Math.floor((bytes - tail.length) / unit.length));
  return body + '/'.repeat(bytes - tail.length - body.length) + tail;
}

// --- The full stack: createApp() versus the same app written by hand. ---

function fullMixnmatch(env: BenchEnv): RequestListener {
  return createApp({
    root: env.root,
    headers: { 'X-Foo': 'Foo' },
    auth: { secrets: ['secret'], store: sessionStore(env) },
  });
}

/**
 * What a user writes by hand for what createApp() does: canonical paths, a
 * custom header, no-cache and CORS headers, a session check in front of a
 * protected folder, login/logout, /goto, /echo and /cache routes, static
 * files and a 404. The routes are there because a hand-written app serving
 * the same features has them, and Express tries each on every request.
 */
function fullPlain(env: BenchEnv): RequestListener {
  const sessions = liveSessions(env);
  const pages = new Map<string, { data: Buffer; type: string }>();
  const form = express.urlencoded({ extended: false, limit: '3mb' });
  const app = expressApp();
  app.use(canonicalMiddleware);
  app.use((_req, res, next) => {
    res.setHeader('X-Foo', 'Foo');
    res.setHeader('Cache-Control', NO_CACHE);
    res.setHeader('Pragma', 'no-cache');
    res.setHeader('Expires', '0');
    res.setHeader('Access-Control-Allow-Origin', '*');
    next();
  });
  app.use((req, res, next) => {
    const id = sessionOf(req, sessions);
    if (id !== undefined) res.locals.session = id;
    else if (isSecret(req.path)) return void res.status(401).send('Log in first.');
    next();
  });
  app.get('/login', (_req, res) => {
    const id = createHash('sha256').update(String(Math.random())).digest('hex');
    sessions.set(id, Date.now() + 86_400_000);
    res.setHeader('Set-Cookie', `SESSION=${id}; Path=/; HttpOnly`);
    sendStatus(res, 200);
  });
  app.get('/logout', (_req, res) => {
    if (res.locals.session) sessions.delete(res.locals.session as string);
    res.setHeader('Set-Cookie', 'SESSION=; Path=/; HttpOnly; Max-Age=0');
    sendStatus(res, 200);
  });
  app.all('/goto/{*address}', (req, res) => {
    res.setHeader('Location', req.originalUrl.slice('/goto/'.length));
    sendStatus(res, 307);
  });
  app.post('/echo', form, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.data !== 'string') return void res.status(400).send('No data.');
    sendBytes(res, Buffer.from(body.data, 'utf8'), pageTypeByHand(body.type));
  });
  app.get('/cache/new', (_req, res) => sendBytes(res, Buffer.from(randomUUID()), 'text/plain'));
  app.get('/cache/clear{/:name}', (req, res) => {
    if (req.params.name === undefined) pages.clear();
    else pages.delete(req.params.name);
    sendStatus(res, 204);
  });
  app.get('/cache/:name', (req, res) => {
    const page = pages.get(req.params.name);
    if (!page) return void res.status(404).send('Not cached.');
    sendBytes(res, page.data, page.type);
  });
  app.post('/cache/:name', form, (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.data !== 'string') return void res.status(400).send('No data.');
    if (pages.has(req.params.name)) return void res.status(409).send('Taken.');
    pages.set(req.params.name, { data: Buffer.from(body.data), type: pageTypeByHand(body.type) });
    sendStatus(res, 204);
  });
  app.use(...expressStatic(env));
  app.use((_req, res) => void res.status(404).send('File not found.'));
  return app;
}

/** The ceiling for the full stack: the same headers, session check and file, on node:http. */
function fullNode(env: BenchEnv): RequestListener {
  const sessions = liveSessions(env);
  const files = staticFiles(env);
  return (req, res) => {
    const url = canonicalByHand(req.url ?? '/');
    if (url === undefined) return sendStatus(res, 400);
    req.url = url;
    res.setHeader('X-Foo', 'Foo');
    res.setHeader('Cache-Control', NO_CACHE);
    res.setHeader('Pragma', 'no-cache');
    res.setHeader('Expires', '0');
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (sessionOf(req, sessions) === undefined && isSecret(pathOf(url)))
      return sendStatus(res, 401);
    files(req, res, () => sendStatus(res, 404));
  };
}

/** cache() holding the 1 KiB page in `store`: the cache scenarios, whatever the store. */
/** The bench page's ETag, as cache() makes it when a page is saved (each plain app sends the same). */
const PAGE_ETAG = pageEtag('text/html', PAGE_BYTES);

async function cachedPageApp(store: PageStore): Promise<RequestListener> {
  await store.clearAll();
  await store.save(
    'page',
    { data: PAGE_BYTES, type: 'text/html', etag: PAGE_ETAG },
    { maxSize: 2 * MiB, maxNames: 100_000 },
  );
  const app = expressApp();
  app.use(cache({ store }));
  return app;
}

/** auth() with the bench's session live in `store`, then serveStatic(): the protected scenarios, whatever the store. */
async function protectedApp(env: BenchEnv, store: SessionStore): Promise<RequestListener> {
  const now = Date.now();
  await store.set(env.sessionId, { createdAt: now, expiresAt: now + 86_400_000 });
  const app = expressApp();
  app.use(auth({ secrets: ['secret'], store }));
  app.use(serveStatic(env.root));
  return app;
}

// --- The scenarios. ---

const cachedPage: Scenario = {
  id: 'cache-get',
  title: 'GET a cached 1 KiB page: cache() vs a Map lookup',
  request: { path: '/cache/page' },
  status: 200,
  ratios: MIXNMATCH_VS_PLAIN,
  variants: [
    {
      name: 'mixnmatch',
      build: () => cachedPageApp(new MemoryPageStore()),
    },
    {
      name: 'plain',
      build() {
        const pages = new Map([['page', { data: PAGE_BYTES, type: 'text/html' }]]);
        const app = expressApp();
        app.get('/cache/:name', (req, res, next) => {
          const page = pages.get(req.params.name);
          if (!page) return next();
          res.setHeader('ETag', PAGE_ETAG);
          sendBytes(res, page.data, page.type);
        });
        return app;
      },
    },
    {
      name: 'node:http',
      ceiling: true,
      build() {
        const pages = new Map([['page', { data: PAGE_BYTES, type: 'text/html' }]]);
        return (req, res) => {
          const url = req.url ?? '/';
          const page = url.startsWith('/cache/') ? pages.get(url.slice(7)) : undefined;
          if (!page) return sendStatus(res, 404);
          res.setHeader('ETag', PAGE_ETAG);
          sendBytes(res, page.data, page.type);
        };
      },
    },
  ],
};

const threeArgs: Scenario = {
  id: 'endpoint-3-args',
  title: 'GET an endpoint with 3 args: endpoints() vs app.get with params',
  request: { path: '/item/one/two/three' },
  status: 200,
  ratios: MIXNMATCH_VS_PLAIN,
  variants: [
    {
      name: 'mixnmatch',
      build() {
        const app = expressApp();
        app.use(
          endpoints(
            { item: { args: 3 } },
            {
              item(req, res) {
                const [a, b, c] = req.endpoint.argv;
                res.send(`${a} ${b} ${c}`);
              },
            },
          ),
        );
        return app;
      },
    },
    {
      name: 'plain',
      build() {
        const app = expressApp();
        app.get('/item/:a/:b/:c', (req, res) => {
          res.send(`${req.params.a} ${req.params.b} ${req.params.c}`);
        });
        return app;
      },
    },
    {
      name: 'node:http',
      ceiling: true,
      build: () => (req, res) => {
        const segments = pathOf(req.url ?? '/').split('/');
        if (segments[1] !== 'item' || segments.length !== 5) return sendStatus(res, 404);
        sendText(res, segments.slice(2).map(decodeURIComponent).join(' '));
      },
    },
  ],
};

const staticFile: Scenario = {
  id: 'static',
  title: 'GET a 1 KiB file: serveStatic() vs express.static',
  request: { path: '/page.html' },
  status: 200,
  ratios: MIXNMATCH_VS_PLAIN,
  variants: [
    {
      name: 'mixnmatch',
      build(env) {
        const app = expressApp();
        app.use(serveStatic(env.root));
        return app;
      },
    },
    {
      name: 'plain',
      build(env) {
        const app = expressApp();
        app.use(...expressStatic(env));
        return app;
      },
    },
    {
      name: 'node:http',
      ceiling: true,
      build(env) {
        const files = staticFiles(env);
        return (req, res) => files(req, res, () => sendStatus(res, 404));
      },
    },
  ],
};

const echo: Scenario = {
  id: 'echo',
  title: 'POST /echo, a 1 KiB page as a form: cache() vs express.urlencoded',
  request: { method: 'POST', path: '/echo', headers: FORM_HEADERS, body: PAGE_FORM },
  status: 200,
  ratios: MIXNMATCH_VS_PLAIN,
  variants: [
    {
      name: 'mixnmatch',
      build() {
        const app = expressApp();
        app.use(cache());
        return app;
      },
    },
    {
      name: 'plain',
      build() {
        const app = expressApp();
        app.post('/echo', express.urlencoded({ extended: false, limit: '3mb' }), (req, res) => {
          const body = (req.body ?? {}) as Record<string, unknown>;
          if (typeof body.data !== 'string') return void res.status(400).send('No data.');
          sendBytes(res, Buffer.from(body.data, 'utf8'), pageTypeByHand(body.type));
        });
        return app;
      },
    },
    {
      name: 'node:http',
      ceiling: true,
      build: () => (req, res) => {
        if (req.method !== 'POST' || req.url !== '/echo') return sendStatus(res, 404);
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const fields = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
          const data = fields.get('data');
          if (data === null) return sendStatus(res, 400);
          sendBytes(
            res,
            Buffer.from(data, 'utf8'),
            pageTypeByHand(fields.get('type') ?? undefined),
          );
        });
      },
    },
  ],
};

const protectedFile: Scenario = {
  id: 'protected',
  title:
    'GET a protected file with a session: auth() + serveStatic() vs a cookie check + express.static',
  request: { path: '/secret/page.html', headers: { cookie: SESSION_COOKIE } },
  status: 200,
  ratios: MIXNMATCH_VS_PLAIN,
  variants: [
    {
      name: 'mixnmatch',
      build: (env) => protectedApp(env, new MemorySessionStore()),
    },
    {
      name: 'plain',
      build(env) {
        const sessions = liveSessions(env);
        const app = expressApp();
        app.use((req, res, next) => {
          if (sessionOf(req, sessions) === undefined && isSecret(req.path))
            return void res.status(401).send('Log in first.');
          next();
        });
        app.use(...expressStatic(env));
        return app;
      },
    },
    {
      name: 'node:http',
      ceiling: true,
      build(env) {
        const sessions = liveSessions(env);
        const files = staticFiles(env);
        return (req, res) => {
          if (sessionOf(req, sessions) === undefined && isSecret(pathOf(req.url ?? '/')))
            return sendStatus(res, 401);
          files(req, res, () => sendStatus(res, 404));
        };
      },
    },
  ],
};

const FULL_VARIANTS: readonly Variant[] = [
  { name: 'mixnmatch', build: fullMixnmatch },
  { name: 'plain', build: fullPlain },
  { name: 'node:http', ceiling: true, build: fullNode },
];

const fullPublic: Scenario = {
  id: 'full-stack',
  title: 'The whole stack, GET a public 1 KiB file: createApp() vs the same app by hand',
  request: { path: '/page.html' },
  status: 200,
  ratios: MIXNMATCH_VS_PLAIN,
  variants: FULL_VARIANTS,
};

const fullSession: Scenario = {
  id: 'full-stack-session',
  title: 'The whole stack, GET a protected file with a session',
  request: { path: '/secret/page.html', headers: { cookie: SESSION_COOKIE } },
  status: 200,
  ratios: MIXNMATCH_VS_PLAIN,
  variants: FULL_VARIANTS,
};

function echoPath(req: Request, res: Response): void {
  res.send(req.path);
}

const longPath: Scenario = {
  id: 'canonicalize-16k',
  title:
    'GET a 16 KiB path of /.., /. and // runs: canonicalize() vs decode + path.posix.normalize',
  request: { path: dotPath(16 * 1024) },
  status: 200,
  ratios: MIXNMATCH_VS_PLAIN,
  maxHeaderSize: 64 * 1024,
  variants: [
    {
      name: 'mixnmatch',
      build() {
        const app = expressApp();
        app.use(canonicalize());
        app.use(echoPath);
        return app;
      },
    },
    {
      name: 'plain',
      build() {
        const app = expressApp();
        app.use(canonicalMiddleware);
        app.use(echoPath);
        return app;
      },
    },
    {
      name: 'node:http',
      ceiling: true,
      build: () => (req, res) => {
        const url = canonicalByHand(req.url ?? '/');
        if (url === undefined) return sendStatus(res, 400);
        sendText(res, pathOf(url));
      },
    },
  ],
};

/** `{ r0: { args: 1 }, …, r<count-1>: { args: 1 } }` and one handler for each. */
function manyEndpoints(count: number): express.Router {
  const spec: Record<string, { args: number }> = {};
  const handlers: Record<string, (req: Request, res: Response) => void> = {};
  const handler = (req: Request, res: Response) => void res.send(req.endpoint.argv[0]);
  for (let i = 0; i < count; i++) {
    spec[`r${i}`] = { args: 1 };
    handlers[`r${i}`] = handler;
  }
  return endpoints(spec, handlers);
}

const ROUTES = 10_000;

const N = ROUTES.toLocaleString('en-US');

const TEN_THOUSAND_ENDPOINTS: Variant = {
  name: 'mixnmatch 10k',
  build() {
    const app = expressApp();
    app.use(manyEndpoints(ROUTES));
    return app;
  },
};

const dispatch: Scenario = {
  id: 'dispatch',
  title: `Endpoint dispatch with 10 vs ${N} endpoints`,
  request: { path: `/r${ROUTES - 1}/x` },
  status: 200,
  ratios: [
    {
      label: `mixnmatch ${N} / mixnmatch 10 (near 1)`,
      numerator: 'mixnmatch 10k',
      denominator: 'mixnmatch 10',
      target: 0.9,
    },
  ],
  variants: [
    {
      name: 'mixnmatch 10',
      request: { path: '/r9/x' },
      build() {
        const app = expressApp();
        app.use(manyEndpoints(10));
        return app;
      },
    },
    TEN_THOUSAND_ENDPOINTS,
    {
      name: 'node:http',
      ceiling: true,
      build() {
        const roots = new Set(Array.from({ length: ROUTES }, (_, i) => `r${i}`));
        return (req, res) => {
          const segments = pathOf(req.url ?? '/').split('/');
          if (segments.length !== 3 || !roots.has(segments[1]!)) return sendStatus(res, 404);
          sendText(res, decodeURIComponent(segments[2]!));
        };
      },
    },
  ],
};

/**
 * The same 10,000 endpoints as Express routes. A scenario of its own: a
 * server that takes milliseconds per request disturbs the next server
 * measured, which would blur the near-1 comparison above.
 */
const dispatchExpress: Scenario = {
  id: 'dispatch-express',
  title: `${N} endpoints: endpoints() vs ${N} app.get routes, which Express tries one after another`,
  request: { path: `/r${ROUTES - 1}/x` },
  status: 200,
  ratios: [
    {
      label: `mixnmatch / express, ${N} routes`,
      numerator: 'mixnmatch 10k',
      denominator: 'express 10k',
    },
  ],
  variants: [
    TEN_THOUSAND_ENDPOINTS,
    {
      name: 'express 10k',
      build() {
        const app = expressApp();
        for (let i = 0; i < ROUTES; i++) {
          app.get(`/r${i}/:a`, (req, res) => void res.send(req.params.a));
        }
        return app;
      },
    },
  ],
};

/** Every scenario, in the order the bench runs them. */
/** Requests of the Redis scenarios: keys of their own, so nothing else in the bench's Redis meets them. */
const REDIS_PREFIX = 'bench:';

const protectedRedis: Scenario = {
  id: 'protected-redis',
  title:
    'GET a protected file with a session in Redis: auth() + RedisSessionStore vs express-session + connect-redis',
  request: { path: '/secret/page.html', headers: { cookie: SESSION_COOKIE } },
  status: 200,
  redis: true,
  ratios: [
    {
      label: 'mixnmatch / express-session',
      numerator: 'mixnmatch',
      denominator: 'express-session',
      target: 1,
    },
  ],
  variants: [
    {
      name: 'mixnmatch',
      async build(env) {
        const client = await redisClient(env);
        return protectedApp(
          env,
          new RedisSessionStore({
            sendCommand: (args) => client.sendCommand(args),
            prefix: REDIS_PREFIX,
          }),
        );
      },
    },
    {
      name: 'express-session',
      request: { path: '/secret/page.html', headers: { cookie: EXPRESS_SESSION_COOKIE } },
      async build(env) {
        const client = await redisClient(env);
        const store = new RedisStore({ client, prefix: `${REDIS_PREFIX}es:` });
        // The session as express-session saves one, logged in.
        await client.set(
          `${REDIS_PREFIX}es:${env.sessionId}`,
          JSON.stringify({
            cookie: { originalMaxAge: null, httpOnly: true, path: '/' },
            loggedIn: true,
          }),
          { EX: 86_400 },
        );
        const app = expressApp();
        app.use(
          expressSession({
            store,
            secret: EXPRESS_SESSION_SECRET,
            resave: false,
            saveUninitialized: false,
          }),
        );
        app.use((req, res, next) => {
          const loggedIn = (req.session as unknown as { loggedIn?: boolean }).loggedIn === true;
          if (!loggedIn && isSecret(req.path)) return void res.status(401).send('Log in first.');
          next();
        });
        app.use(...expressStatic(env));
        return app;
      },
    },
  ],
};

const cachedPageRedis: Scenario = {
  id: 'cache-get-redis',
  title:
    'GET a 1 KiB page cached in Redis: cache() + RedisPageStore vs a route reading the same key',
  request: { path: '/cache/page' },
  status: 200,
  redis: true,
  ratios: MIXNMATCH_VS_PLAIN,
  variants: [
    {
      name: 'mixnmatch',
      async build(env) {
        const client = await redisClient(env);
        return cachedPageApp(
          new RedisPageStore({
            sendCommand: (args) => client.sendCommand(args),
            prefix: REDIS_PREFIX,
          }),
        );
      },
    },
    {
      name: 'plain',
      async build(env) {
        const client = await redisClient(env);
        const app = expressApp();
        app.get('/cache/:name', (req, res, next) => {
          client
            .hmGet(`${REDIS_PREFIX}page:{${req.params.name}}`, ['data', 'type', 'etag'])
            .then(([data, type, etag]) => {
              if (!data || !type) return next();
              if (etag) res.setHeader('ETag', etag);
              sendBytes(res, Buffer.from(data, 'base64'), type);
            }, next);
        });
        return app;
      },
    },
  ],
};

/** The bin the capture scenarios post to, made when their servers start. */
export const BENCH_BIN = 'benchbinbenchbinbenchbin22';

/** A full app with `capture({ all })`, its bin made. */
function captureApp(env: BenchEnv, all: boolean): RequestListener {
  const store = new MemoryCaptureStore();
  store.createBin(BENCH_BIN);
  return createApp({ root: env.root, capture: { store, all } });
}

const captureAll: Scenario = {
  id: 'capture-post',
  title: 'POST /echo, a 1 KiB page: createApp() with capture({ all: true }) vs without',
  request: { method: 'POST', path: '/echo', headers: FORM_HEADERS, body: PAGE_FORM },
  status: 200,
  ratios: [
    {
      label: 'capture on / capture off',
      numerator: 'capture on',
      denominator: 'capture off',
      target: 0.8,
    },
  ],
  variants: [
    { name: 'capture on', build: (env) => captureApp(env, true) },
    { name: 'capture off', build: (env) => createApp({ root: env.root }) },
  ],
};

const captureBin: Scenario = {
  id: 'capture-bin',
  title:
    'POST 1 KiB to a capture bin (kept, with its headers and body) vs an Express route that reads it and answers 200',
  request: {
    method: 'POST',
    path: `/bin/${BENCH_BIN}/label`,
    headers: FORM_HEADERS,
    body: PAGE_FORM,
  },
  status: 200,
  ratios: [{ label: 'bin / route', numerator: 'mixnmatch', denominator: 'plain' }],
  variants: [
    { name: 'mixnmatch', build: (env) => captureApp(env, false) },
    {
      name: 'plain',
      build() {
        const app = expressApp();
        app.post(
          '/bin/:id/:label',
          express.raw({ type: () => true, limit: '1mb' }),
          (_req, res) => {
            res.setHeader('Access-Control-Allow-Origin', '*');
            res.setHeader('Content-Security-Policy', 'sandbox');
            sendStatus(res, 200);
          },
        );
        return app;
      },
    },
  ],
};

export const SCENARIOS: readonly Scenario[] = [
  cachedPage,
  threeArgs,
  staticFile,
  echo,
  protectedFile,
  fullPublic,
  fullSession,
  longPath,
  dispatch,
  dispatchExpress,
  protectedRedis,
  cachedPageRedis,
  captureAll,
  captureBin,
];

/** The apps of the heap scenario: a cache() that takes 10,000 pages, and a Map doing the same by hand. */
export const HEAP_VARIANTS: readonly Variant[] = [
  {
    name: 'mixnmatch',
    build() {
      const app = expressApp();
      app.use(cache({ maxSize: 16 * MiB }));
      return app;
    },
  },
  {
    name: 'plain',
    build() {
      const pages = new Map<string, { data: Buffer; type: string }>();
      const app = expressApp();
      app.post(
        '/cache/:name',
        express.urlencoded({ extended: false, limit: '3mb' }),
        (req, res) => {
          const body = (req.body ?? {}) as Record<string, unknown>;
          if (typeof body.data !== 'string') return void res.status(400).send('No data.');
          if (pages.has(req.params.name)) return void res.status(409).send('Taken.');
          pages.set(req.params.name, {
            data: Buffer.from(body.data, 'utf8'),
            type: pageTypeByHand(body.type),
          });
          sendStatus(res, 204);
        },
      );
      return app;
    },
  },
];

/** Finds a scenario's variant by name, for the server host. */
export function findVariant(scenario: string, variant: string): Variant {
  const variants =
    scenario === 'heap' ? HEAP_VARIANTS : SCENARIOS.find((s) => s.id === scenario)?.variants;
  const found = variants?.find((v) => v.name === variant);
  if (!found) throw new Error(`no bench server "${variant}" in scenario "${scenario}"`);
  return found;
}
