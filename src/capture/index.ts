// The capture() router: bins at /bin/new and /bin/{id}[/{label}], a Host of {id}.…, and with `all` every request the app gets.
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import { bodyReader } from '../http/body';
import { copyBody, readCopy } from '../http/body-copy';
import { HttpError } from '../shared/errors';
import { isToken } from '../http/headers';
import {
  assertNotMiddlewareCall,
  booleanOption,
  optionsObject,
  positiveIntegerOption,
  storeOption,
} from '../shared/options';
import { canonicalDecoded, splitTarget } from '../http/path';
import { canonicalPath, isProblem, mountPath } from '../http/request-path';
import type { CaptureStore } from '../types';
import { dashboardRouter, parseDashboardOptions, type DashboardOptions } from './dashboard';
import { BIN_ID, buildHit, hitBody, newBinId, type Hit } from './hit';
import { MemoryCaptureStore } from './memory-store';
import { parseBinResponse, replyFor } from './response';

export { CaptureStoreFullError, MemoryCaptureStore } from './memory-store';
export type { MemoryCaptureStoreOptions } from './memory-store';
export { FileCaptureStore } from './file-store';
export type { FileCaptureStoreOptions } from './file-store';
export { RedisCaptureStore } from './redis-store';
export type { RedisCaptureStoreOptions } from './redis-store';
export { compareHitIds } from './hit';
export type { Hit, HitBody, NewHit } from './hit';
export type { BinReply, BinResponse } from './response';
export { dashboard } from './dashboard';
export type { DashboardOptions } from './dashboard';

/** Options for {@link capture}. */
export interface CaptureOptions {
  /** Where bins and hits live. Defaults to a `MemoryCaptureStore`. */
  store?: CaptureStore;
  /** Record every request the app gets in the bin `all` (mount `capture()` first), the dashboard's aside. Defaults to `false`. */
  all?: boolean;
  /** The most bytes of a request body a hit keeps (the whole size is recorded). Defaults to `65536`. */
  bodyLimit?: number;
  /** The dashboard and its API, or `false` for none (mount `dashboard()` yourself). Defaults to `{}`: at `/_mixnmatch`, open on loopback only. */
  dashboard?: DashboardOptions | false;
}

const EXAMPLE = "capture({ all: true, dashboard: { prefix: '/_mixnmatch' } })";

/** The bin of `capture({ all: true })`. */
export const ALL_BIN = 'all';

/** What a capture store operation that failed in the background is reported as: once, as a warning. */
function reporter(): (err: unknown) => void {
  let warned = false;
  return (err) => {
    if (warned) return;
    warned = true;
    process.emitWarning(
      `capture(): a hit could not be kept: ${(err as Error)?.message ?? String(err)}`,
      {
        code: 'MIXNMATCH_CAPTURE_STORE',
      },
    );
  };
}

/** The parts {@link capture} mounts: the recorder of every request (with `all`), the bins, the dashboard. */
export interface CaptureParts {
  readonly store: CaptureStore;
  /** With `all`: records every request; mount it first. */
  readonly recorder: RequestHandler | undefined;
  /** Answers and captures `/bin/…` and `{id}.…` Hosts. */
  readonly bins: RequestHandler;
  /** The dashboard's Router, with its prefix. */
  readonly dashboard: { prefix: string; router: Router } | undefined;
}

/** The middleware of {@link capture}, apart, for `createApp()` to mount each where it belongs. */
export function captureParts(opts?: CaptureOptions): CaptureParts {
  const options = optionsObject(
    'capture',
    opts,
    ['store', 'all', 'bodyLimit', 'dashboard'],
    EXAMPLE,
  );
  const store =
    options.store === undefined
      ? new MemoryCaptureStore()
      : storeOption<CaptureStore>(
          'capture',
          'store',
          options.store,
          'CaptureStore',
          [
            'createBin',
            'getBin',
            'listBins',
            'deleteBin',
            'setResponse',
            'take',
            'add',
            'hits',
            'hit',
            'deleteHit',
            'subscribe',
          ],
          EXAMPLE,
        );
  const all = booleanOption('capture', options, 'all', false, EXAMPLE);
  const bodyLimit =
    options.bodyLimit === 0
      ? 0
      : positiveIntegerOption('capture', 'bodyLimit', options.bodyLimit, 65_536, EXAMPLE);
  const dashboardOptions =
    options.dashboard === false ? undefined : parseDashboardOptions(options.dashboard ?? {});
  const prefix = dashboardOptions?.prefix;
  const report = reporter();
  const keep = (hit: Parameters<CaptureStore['add']>[0]) => {
    try {
      void Promise.resolve(store.add(hit)).catch(report);
    } catch (err) {
      report(err);
    }
  };
  /** The bin `all`, made at the first request: a promise until it is there, then `true`. */
  let allMade: Promise<unknown> | true | undefined;
  const readBody = bodyReader(1024 * 1024 + 65_536, 'A bin’s response is at most 1 MiB.');

  /** Whether a request is the dashboard's (never captured). */
  const dashboardName = prefix?.slice(prefix.lastIndexOf('/') + 1);
  const isDashboard = (req: Request): boolean => {
    if (prefix === undefined) return false;
    const original = req.originalUrl ?? req.url;
    // Most targets cannot be the dashboard's: nothing decodes to its name.
    if (!original.includes('%') && !original.includes(dashboardName!)) return false;
    const target = splitTarget(original);
    const path = target ? canonicalDecoded(target.path) : undefined;
    return typeof path === 'string' && (path === prefix || path.startsWith(`${prefix}/`));
  };

  const recorder: RequestHandler | undefined = all
    ? function captureAll(req: Request, res: Response, next: NextFunction) {
        if (isDashboard(req)) return next();
        allMade ??= Promise.resolve(store.createBin(ALL_BIN)).then(() => (allMade = true), report);
        const started = { time: new Date(), hr: process.hrtime.bigint() };
        copyBody(req, res, bodyLimit, (copy) => {
          const hit = buildHit(req, res, ALL_BIN, '', started, copy);
          if (allMade === true) keep(hit);
          else void allMade!.then(() => keep(hit));
        });
        next();
      }
    : undefined;

  /** Keeps a hit on a bin, then answers it as the bin says. */
  async function captureInto(
    req: Request,
    res: Response,
    next: NextFunction,
    bin: string,
    label: string,
  ) {
    const started = { time: new Date(), hr: process.hrtime.bigint() };
    const taken = await store.take(bin);
    if (!taken) return next(new HttpError(404, 'No such bin: make one at /bin/new.'));
    const preflight =
      req.method === 'OPTIONS' &&
      req.headers.origin !== undefined &&
      req.headers['access-control-request-method'] !== undefined;
    const reply = preflight ? preflightReply(req) : replyFor(taken.response, taken.ordinal);
    // The answer's body is kept as a request's is: up to the limit.
    const response: Hit['response'] = {
      headers: reply.headers,
      body: hitBody(reply.body.subarray(0, bodyLimit), reply.body.length),
    };
    // The body is read (kept up to the limit) before the answer, and the hit
    // kept before it is sent: once a client has its answer, the hit is in
    // the bin (and on its feed) for every process, in the order answered.
    const copy = await readCopy(req, bodyLimit);
    res.statusCode = reply.status;
    const hit = buildHit(req, res, bin, label, started, copy, response);
    hit.durationMs += reply.delayMs;
    try {
      await store.add(hit);
    } catch (err) {
      report(err);
    }
    const send = () => {
      if (res.headersSent || res.destroyed) return;
      for (const [name, value] of reply.headers) res.appendHeader(name, value);
      if (reply.status === 204 || reply.status === 304) return void res.end();
      res.setHeader('Content-Length', reply.body.length);
      res.end(req.method === 'HEAD' ? undefined : reply.body);
    };
    if (reply.delayMs === 0) return send();
    const timer = setTimeout(send, reply.delayMs);
    res.once('close', () => clearTimeout(timer));
  }

  /** `/bin/new`: a fresh bin, with the response a JSON body gives, and its URLs. */
  async function newBin(req: Request, res: Response): Promise<void> {
    let response;
    if (req.method === 'POST') {
      const body = await readBody(req, res);
      const text = Buffer.isBuffer(body) ? body.toString('utf8') : '';
      if (text.trim() !== '') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new HttpError(400, 'The body must be a JSON response for the bin, or empty.');
        }
        response = parseBinResponse(parsed);
      }
    }
    let id = newBinId();
    while (!(await store.createBin(id, response))) id = newBinId();
    const origin = `${req.protocol ?? 'http'}://${req.headers.host ?? 'localhost'}`;
    const api = `${origin}${prefix ?? '/_mixnmatch'}/api/bins/${id}`;
    const body = JSON.stringify({
      id,
      url: `${origin}${mountPath(req)}/bin/${id}`,
      feed: `${api}/feed`,
      api,
    });
    res.statusCode = 201;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.end(body);
  }

  const bins: RequestHandler = function captureBins(
    req: Request,
    res: Response,
    next: NextFunction,
  ) {
    if (prefix !== undefined && req.headers['service-worker'] === 'script') {
      // A service worker of this origin would see the dashboard's page and its key.
      return next(
        new HttpError(
          403,
          'No service worker is served while the capture dashboard is on: it could read the dashboard.',
        ),
      );
    }
    const host = req.headers.host;
    const dot = host?.indexOf('.') ?? -1;
    const hostBin = dot > 0 ? host!.slice(0, dot).toLowerCase() : '';
    const path = canonicalPath(req);
    if (BIN_ID.test(hostBin) && !isDashboard(req)) {
      // A Host of `{id}.…`: the whole path is the label, when the bin is there.
      return void Promise.resolve(store.getBin(hostBin)).then((found) => {
        if (!found) return next();
        const label = isProblem(path) ? '' : path.replace(/^\/+/, '');
        return captureInto(req, res, next, hostBin, label);
      }, next);
    }
    if (isProblem(path) || !path.startsWith('/bin/')) return next();
    const rest = path.slice(5);
    if (rest === 'new' || rest === 'new/') {
      if (req.method !== 'GET' && req.method !== 'POST') {
        res.setHeader('Allow', 'GET, POST');
        return next(new HttpError(405, 'Make a bin with GET or POST /bin/new.'));
      }
      return void newBin(req, res).catch(next);
    }
    const slash = rest.indexOf('/');
    const id = slash === -1 ? rest : rest.slice(0, slash);
    if (!BIN_ID.test(id)) {
      return next(new HttpError(404, 'No such bin: make one at /bin/new.'));
    }
    void captureInto(req, res, next, id, slash === -1 ? '' : rest.slice(slash + 1)).catch(next);
  };

  return {
    store,
    recorder,
    bins,
    dashboard:
      dashboardOptions && prefix !== undefined
        ? { prefix, router: dashboardRouter(store, dashboardOptions) }
        : undefined,
  };
}

/** The answer to a CORS preflight at a bin: whatever it asks for is allowed, so the request it announces comes. */
function preflightReply(req: Request): ReturnType<typeof replyFor> {
  const method = String(req.headers['access-control-request-method']);
  const headers: [string, string][] = [
    ['Access-Control-Allow-Origin', String(req.headers.origin)],
    ['Access-Control-Allow-Credentials', 'true'],
    ['Access-Control-Allow-Methods', isToken(method) ? method : 'GET'],
    ['Access-Control-Max-Age', '0'],
    ['Vary', 'Origin'],
  ];
  const asked = req.headers['access-control-request-headers'];
  if (typeof asked === 'string' && /^[!#$%&'*+.^_`|~0-9A-Za-z, -]*$/.test(asked)) {
    headers.push(['Access-Control-Allow-Headers', asked]);
  }
  return { status: 204, headers, body: Buffer.alloc(0), delayMs: 0 };
}

/**
 * Capture bins as a Router: `GET /bin/new` (or `POST`, with the bin's
 * response as JSON) answers 201 with a fresh bin's id and URLs; any
 * request to `/bin/{id}` or `/bin/{id}/{label…}`, or with a `Host` of
 * `{id}.…`, is answered as the bin says and captured into it (an unknown
 * id is a 404, never captured); with `all`, every request the app gets is
 * captured into the bin `all`. The dashboard (a page, its JSON API, live
 * feeds and HAR) is served at `/_mixnmatch` unless `dashboard: false`.
 * Mount it first, so that `all` sees everything.
 *
 * ```ts
 * app.use(mixnmatch.capture({ all: true }));
 * ```
 */
export function capture(opts?: CaptureOptions): Router {
  assertNotMiddlewareCall('capture', opts);
  const parts = captureParts(opts);
  const router = express.Router();
  if (parts.recorder) router.use(parts.recorder);
  if (parts.dashboard) router.use(parts.dashboard.prefix, parts.dashboard.router);
  router.use(parts.bins);
  return router;
}
