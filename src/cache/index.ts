// The cache() router factory: POST /echo and the /cache page store, built as an endpoints() spec.
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response, Router } from 'express';
import { bodyKind, bodyReader, type BodyKind } from '../http/body';
import { endpointsHandler, routerOf } from '../endpoints';
import { ARGS_OPTIONAL, type EndpointSpec } from '../endpoints';
import { HttpError } from '../shared/errors';
import { assertNotMiddlewareCall, show } from '../shared/options';
import { queryParam, sendBody, sendEmpty } from '../http/respond';
import { evaluatePreconditions, type Validators } from '../http/conditional';
import { pageEtag } from './etag';
import {
  decodeFormPage,
  decodeJsonPage,
  emptyBodyError,
  jsonObjectPage,
  noDataError,
  pageType,
} from './decode';
import { parseCacheOptions, type CacheOptions, type CacheStatusCodes } from './options';
import type { CachedPage, PageLimits, PageLookup, PageSaveResult } from '../types';

export { MemoryPageStore } from './memory-store';
export { RedisPageStore, type RedisPageStoreOptions } from './redis-store';
export type { CacheOptions, CacheStatusCodes } from './options';
export type { CachedPage, PageLimits, PageLookup, PageStore, PageSaveResult } from '../types';

/**
 * The cache's routes: `POST /echo`; `GET`/`POST /cache/{name}`;
 * `GET /cache/clear[/{name}]`; `GET /cache/new`. `/cache/clear` and
 * `/cache/new` are children, so they take only GET (POST → 405) and the
 * names `clear` and `new` cannot be saved.
 */
const SPEC: EndpointSpec = {
  echo: { methods: ['POST'] },
  cache: {
    methods: ['GET', 'POST'],
    args: 1,
    children: { clear: { args: ARGS_OPTIONAL }, new: {} },
  },
};

/**
 * The longest page name accepted for saving. Names are remembered for good
 * (they are never reusable), so their length is bounded as well as their
 * number (`maxNames`).
 */
export const MAX_NAME_LENGTH = 256;

/** The status of each problem, in each `statusCodes` mode. */
const STATUS: Readonly<
  Record<
    CacheStatusCodes,
    Readonly<Record<'exists' | 'never' | 'cleared' | 'full' | 'type', number>>
  >
> = {
  http: { exists: 409, never: 404, cleared: 410, full: 507, type: 415 },
  mixnmatchttp: { exists: 500, never: 500, cleared: 500, full: 500, type: 400 },
};

const ACCEPTED =
  'Send application/json (or text/json) with "data" in base64, or application/x-www-form-urlencoded with "data" percent-encoded.';

function isEmpty(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    body === '' ||
    (Buffer.isBuffer(body) && body.length === 0)
  );
}

/**
 * A page from a body that a parser mounted before `cache()` already read
 * (`app.use(express.json())`): JSON parameters are used as they are; form
 * fields come already percent-decoded as UTF-8 text, so they are no longer
 * byte-exact.
 */
function pageFromParsed(kind: BodyKind, body: object): CachedPage {
  if (Array.isArray(body)) {
    throw new HttpError(400, 'Cannot load parameters from request: the body is not an object.');
  }
  const params = body as Record<string, unknown>;
  if (kind === 'json') return jsonObjectPage(params);
  const { data, type } = params;
  if (data === undefined) throw noDataError();
  if (typeof data !== 'string' || (type !== undefined && typeof type !== 'string')) {
    throw new HttpError(
      400,
      'Cannot load parameters from request: "data" and "type" must be single values.',
    );
  }
  return { data: Buffer.from(data, 'utf8'), type: pageType(type as string | undefined) };
}

/** Sends a page: its bytes and Content-Type exactly as saved, in one write. */
function sendPage(res: Response, page: CachedPage): void {
  sendBody(res, 200, page.type, page.data);
}

/** The longest a `GET /cache/{name}?wait=S` waits for the name to be saved, in seconds. */
export const MAX_WAIT_SECONDS = 60;

/** How long a request asks to wait for its page (`?wait=S`, seconds, capped): 0 when it does not. */
function waitOf(req: Request): number {
  // Most GETs carry no query: nothing to parse.
  if (!req.url.includes('?')) return 0;
  const text = queryParam(req, 'wait');
  if (text === undefined) return 0;
  if (!/^\d{1,6}(\.\d{1,3})?$/.test(text)) {
    throw new HttpError(400, `"wait" is a number of seconds (at most ${MAX_WAIT_SECONDS}).`);
  }
  return Math.min(Number(text), MAX_WAIT_SECONDS);
}

/**
 * A saved page's validators: its strong ETag (kept with it, or made now
 * for a store that does not keep it; a page never changes: its name is
 * never saved again) and when it was saved.
 */
function validatorsOf(page: CachedPage): Validators {
  return {
    etag: page.etag ?? pageEtag(page.type, page.data),
    ...(page.savedAt !== undefined ? { lastModified: page.savedAt } : {}),
  };
}

function isPage(value: unknown): value is CachedPage {
  return (
    value !== null &&
    typeof value === 'object' &&
    Buffer.isBuffer((value as CachedPage).data) &&
    typeof (value as CachedPage).type === 'string'
  );
}

/**
 * A Router serving the original's page cache, built from an `endpoints()`
 * spec:
 * - `POST /echo` sends the decoded page back (200);
 * - `POST /cache/{name}` saves it (204); a name is never reusable (409),
 *   a page over the free space gets 507;
 * - `GET /cache/{name}` replays the saved bytes and Content-Type (200),
 *   404 if never cached, 410 if cleared;
 * - `GET /cache/clear/{name}` frees one page, `GET /cache/clear` all (204);
 * - `GET /cache/new` gives a random UUID v4 as `text/plain`.
 *
 * Bodies are `application/json` (or `text/json`) with `data` in base64, or
 * `application/x-www-form-urlencoded` with `data` percent-encoded; `type` is
 * optional. Errors go to `next(err)` as `HttpError`s with the reason.
 * `statusCodes: 'mixnmatchttp'` gives the original's codes instead.
 */
export function cache(opts?: CacheOptions): Router {
  assertNotMiddlewareCall('cache', opts);
  return routerOf(cacheMiddleware(opts));
}

/** The middleware {@link cache} puts in its Router (and `createApp()` mounts as it is). */
export function cacheMiddleware(opts?: CacheOptions): RequestHandler {
  const { statusCodes, maxSize, bodyLimit, maxNames, store, signal } = parseCacheOptions(opts);
  const status = STATUS[statusCodes];
  const limits: PageLimits = Object.freeze({ maxSize, maxNames });
  const read = bodyReader(
    bodyLimit,
    `The request body is larger than the limit of ${bodyLimit} bytes (bodyLimit). A page holds at most ${maxSize} bytes (maxSize).`,
  );

  const typeError = (contentType: string | undefined) =>
    new HttpError(
      status.type,
      contentType === undefined
        ? `Unknown Content-Type: none. ${ACCEPTED}`
        : `Unknown Content-Type: ${contentType}. ${ACCEPTED}`,
    );

  /** Reads and decodes the page a POST carries. Rejects with a 4xx `HttpError`. */
  async function readPage(req: Request, res: Response): Promise<CachedPage> {
    const contentType = req.headers['content-type'];
    const kind = bodyKind(contentType);
    // Refuse before reading: the body would be thrown away anyway.
    if (kind === 'other') throw typeError(contentType);
    let body = await read(req, res);
    if (isEmpty(body)) throw emptyBodyError();
    if (kind === 'none') throw typeError(undefined);
    if (typeof body === 'string') body = Buffer.from(body, 'utf8');
    if (Buffer.isBuffer(body)) return kind === 'json' ? decodeJsonPage(body) : decodeFormPage(body);
    if (typeof body === 'object' && body !== null) return pageFromParsed(kind, body);
    throw new HttpError(400, 'Cannot load parameters from request.');
  }

  async function save(name: string, req: Request, res: Response): Promise<void> {
    if (name.length > MAX_NAME_LENGTH) {
      throw new HttpError(
        414,
        `Page names are at most ${MAX_NAME_LENGTH} characters long (this one has ${name.length}).`,
      );
    }
    // Whole seconds, as Last-Modified and If-Modified-Since compare.
    const read = await readPage(req, res);
    const page = {
      ...read,
      savedAt: Math.floor(Date.now() / 1000) * 1000,
      etag: pageEtag(read.type, read.data),
    };
    const result: PageSaveResult = await store.save(name, page, limits);
    switch (result) {
      case 'saved':
        return sendEmpty(res, 204);
      case 'exists':
        throw new HttpError(
          status.exists,
          'Cannot overwrite page, choose a different name. A name stays taken after its page is cleared; GET /cache/new gives a fresh one.',
        );
      case 'full':
        throw new HttpError(
          status.full,
          `Cannot save any more pages, call /cache/clear or /cache/clear/{page_name}. This page has ${page.data.length} bytes and the cache holds at most ${maxSize} (maxSize).`,
        );
      case 'too-many-names':
        throw new HttpError(
          status.full,
          `Cannot save any more pages: the cache remembers at most ${maxNames} page names (maxNames), cleared ones included, and clearing does not free names.`,
        );
      default:
        throw new Error(
          `PageStore.save() resolved to ${show(result)}; expected 'saved', 'exists', 'full' or 'too-many-names'.`,
        );
    }
  }

  /**
   * Sends the page a lookup found, as the request's conditions ask (304,
   * 412); throws the error for a page that is not there.
   */
  function answer(found: PageLookup, req: Request, res: Response): void {
    const page = isPage(found) ? found : undefined;
    const validators = page && validatorsOf(page);
    if (validators) {
      res.setHeader('ETag', validators.etag);
      if (validators.lastModified !== undefined) {
        res.setHeader('Last-Modified', new Date(validators.lastModified).toUTCString());
      }
    }
    const outcome = evaluatePreconditions(req, validators);
    if (outcome === 412) {
      throw new HttpError(
        412,
        page
          ? "The page does not meet the request's If-Match or If-Unmodified-Since."
          : 'If-Match asks for a page, and there is none under this name.',
      );
    }
    if (outcome === 304) return void res.status(304).end();
    if (found === undefined) {
      throw new HttpError(status.never, 'This page has not been cached yet.');
    }
    if (found === 'cleared') {
      throw new HttpError(
        status.cleared,
        'This page has been cleared. Its name stays taken; save the page again under a new name.',
      );
    }
    if (!page) {
      throw new Error(
        `PageStore.get() resolved to ${show(found)}; expected a page { data: Buffer, type: string }, 'cleared' or undefined.`,
      );
    }
    sendPage(res, page);
  }

  /**
   * Answers a GET from the store, through the PageStore interface only;
   * with `?wait=S`, a name not saved yet is waited for (up to S seconds,
   * while the client stays) and answered as soon as it is.
   */
  async function load(name: string, req: Request, res: Response): Promise<void> {
    const wait = waitOf(req);
    let found = await store.get(name);
    if (found === undefined && wait > 0 && store.waitFor) {
      const left = new AbortController();
      const leave = () => left.abort();
      res.once('close', leave);
      // The server stops: answered at once, as without wait.
      const stopping = new AbortController();
      const stop = () => stopping.abort();
      signal?.addEventListener('abort', stop, { once: true });
      if (signal?.aborted) stop();
      const either = AbortSignal.any([left.signal, stopping.signal]);
      try {
        await store.waitFor(name, wait * 1000, either);
        // Looked up again even when no save was seen: one may have come unseen (a feed that lagged).
        if (!left.signal.aborted) found = await store.get(name);
      } finally {
        res.off('close', leave);
        signal?.removeEventListener('abort', stop);
      }
      // The client went away: there is no one to answer.
      if (left.signal.aborted) return;
    }
    answer(found, req, res);
  }

  return endpointsHandler(SPEC, {
    echo: async function cacheEcho(req: Request, res: Response) {
      sendPage(res, await readPage(req, res));
    },
    cache: function cachePage(req: Request, res: Response) {
      // args: 1 guarantees exactly one segment.
      const name = req.endpoint.argv[0]!;
      return req.method === 'POST' ? save(name, req, res) : load(name, req, res);
    },
    'cache/clear': async function cacheClear(req: Request, res: Response) {
      const name = req.endpoint.argv[0];
      await (name === undefined ? store.clearAll() : store.clear(name));
      sendEmpty(res, 204);
    },
    'cache/new': function cacheNew(_req: Request, res: Response) {
      sendPage(res, { data: Buffer.from(randomUUID(), 'latin1'), type: 'text/plain' });
    },
  });
}
