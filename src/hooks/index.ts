// The deny(), noCache() and headers() hooks: small middleware run before the routers.
import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ConfigError, HttpError } from '../shared/errors';
import { assertNotMiddlewareCall, isPlainObject, show } from '../shared/options';

/**
 * What a `deny()` function returns to end a request: a status, or
 * `[status, message?, explain?]` as the original's `send_error` took them
 * (`message` replaces the reason phrase, `explain` is the explanation).
 */
export type Denial =
  number | readonly [status: number, message?: string | null, explain?: string | null];

/** A `deny()` function: a falsy result lets the request through. */
export type DenyFn = (
  req: Request,
) => Denial | undefined | null | false | Promise<Denial | undefined | null | false>;

function denialError(denial: Denial): Error {
  const [status, message, explain] = typeof denial === 'number' ? [denial] : denial;
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    return new TypeError(
      `deny(): the function returned status ${show(status)}; it must be 400–599.`,
    );
  }
  return new HttpError(status, explain ?? undefined, message ? { reason: message } : {});
}

/**
 * Ends a request with an error when `fn(req)` says so: it returns
 * `[status, message?, explain?]` (or a status, or a promise of either) to
 * deny, anything falsy to allow. The error goes to `next(err)`, so
 * `errorHandler()` renders it.
 */
export function deny(fn: DenyFn): RequestHandler {
  assertNotMiddlewareCall('deny', fn);
  if (typeof fn !== 'function') {
    throw new ConfigError(
      'deny',
      `expects a function of the request (got ${show(fn)}).`,
      "deny((req) => (req.path.startsWith('/forbidden') ? [403] : undefined))",
    );
  }
  return function denyMiddleware(req: Request, _res: Response, next: NextFunction) {
    const result = fn(req);
    if (result !== null && typeof result === 'object' && 'then' in result) {
      result.then((denial) => next(denial ? denialError(denial) : undefined), next);
      return;
    }
    next(result ? denialError(result) : undefined);
  };
}

const NO_CACHE: readonly (readonly [string, string])[] = [
  ['Cache-Control', 'no-cache, no-store, must-revalidate'],
  ['Pragma', 'no-cache'],
  ['Expires', '0'],
];

/**
 * Tells browsers not to cache the response (errors included) when
 * `predicate(req)` is true: `Cache-Control: no-cache, no-store,
 * must-revalidate`, `Pragma: no-cache`, `Expires: 0`. Without a predicate,
 * every response.
 */
export function noCache(predicate?: (req: Request) => boolean): RequestHandler {
  assertNotMiddlewareCall('noCache', predicate);
  if (predicate !== undefined && typeof predicate !== 'function') {
    throw new ConfigError(
      'noCache',
      `expects a function of the request (got ${show(predicate)}).`,
      "noCache((req) => !req.path.endsWith('.js'))",
    );
  }
  return function noCacheMiddleware(req: Request, res: Response, next: NextFunction) {
    if (!predicate || predicate(req)) {
      for (const [name, value] of NO_CACHE) res.setHeader(name, value);
    }
    next();
  };
}

/** Header values: a string, a number, or a list for a header sent several times. */
export type HeaderMap = Readonly<Record<string, string | number | readonly string[]>>;

function toEntries(
  map: HeaderMap,
  where: (problem: string) => Error,
): [string, string | string[]][] {
  const entries: [string, string | string[]][] = [];
  for (const [name, raw] of Object.entries(map)) {
    const value =
      typeof raw === 'number' ? String(raw) : Array.isArray(raw) ? [...(raw as string[])] : raw;
    try {
      validateHeaderName(name);
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v !== 'string') throw new TypeError(`value ${show(v)} is not a string`);
        validateHeaderValue(name, v);
      }
    } catch (err) {
      throw where(`header ${show(name)}: ${(err as Error).message}`);
    }
    entries.push([name, value as string | string[]]);
  }
  return entries;
}

/**
 * Sends custom headers on every response, error pages included:
 * `headers({ 'X-Foo': 'Foobar' })`, or a function of the request that gives
 * such a map. A fixed map is validated here, once.
 */
export function headers(map: HeaderMap | ((req: Request) => HeaderMap)): RequestHandler {
  assertNotMiddlewareCall('headers', map);
  const example = "headers({ 'X-Foo': 'Foobar' })";
  if (typeof map === 'function') {
    return function headersMiddleware(req: Request, res: Response, next: NextFunction) {
      try {
        for (const [name, value] of toEntries(
          map(req),
          (problem) => new TypeError(`headers(): ${problem}`),
        )) {
          res.setHeader(name, value);
        }
      } catch (err) {
        return next(err);
      }
      next();
    };
  }
  if (!isPlainObject(map)) {
    throw new ConfigError(
      'headers',
      `expects an object of headers or a function (got ${show(map)}).`,
      example,
    );
  }
  const entries = toEntries(map, (problem) => new ConfigError('headers', `${problem}.`, example));
  return function headersMiddleware(_req: Request, res: Response, next: NextFunction) {
    for (const [name, value] of entries) res.setHeader(name, value);
    next();
  };
}
