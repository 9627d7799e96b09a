// The cors() middleware: the original CORS test server's defaults, with per-request ?origin= and ?creds= overrides.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import corsMiddleware, { type CorsOptions as CorsPackageOptions } from 'cors';
import { ConfigError, HttpError } from '../errors';
import { assertNotMiddlewareCall, booleanOption, optionsObject, show } from '../options';
import { queryParam } from '../respond';

/** Options for {@link cors}. */
export interface CorsOptions {
  /**
   * The origins allowed: `'*'` (any, answered with `*`), or a list of exact
   * origins (a listed request `Origin` is echoed back). Defaults to `'*'`.
   */
  origins?: '*' | readonly string[];
  /** Echo back any request's `Origin` (overrides `origins`). Defaults to `false`. */
  allowAllOrigins?: boolean;
  /** `Access-Control-Allow-Headers` for preflights. Defaults to `['Accept', 'Accept-Language', 'Content-Language', 'Content-Type', 'Authorization']`. */
  allowedHeaders?: readonly string[];
  /**
   * `Access-Control-Allow-Methods` for preflights to paths that are not
   * endpoints; an endpoint always answers with its own methods. Defaults to
   * each resource's own methods (its `Allow`).
   */
  allowedMethods?: readonly string[];
  /** Send `Access-Control-Allow-Credentials: true`. Defaults to `false`. */
  allowCredentials?: boolean;
  /**
   * Let a request pick its own answer with the query parameters `origin`
   * (an origin, or `{ECHO}` for the request's `Origin`) and `creds` (`0`/`1`).
   * Defaults to `true`.
   */
  overrides?: boolean;
}

/** The original's default allowed headers. */
export const DEFAULT_ALLOWED_HEADERS: readonly string[] = [
  'Accept',
  'Accept-Language',
  'Content-Language',
  'Content-Type',
  'Authorization',
];

const EXAMPLE = "cors({ origins: ['https://example.com'], allowCredentials: true })";
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What an origin sent back in a header may hold: visible ASCII, no spaces. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

function stringList(key: string, value: unknown, check: RegExp, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && check.test(v))) {
    throw new ConfigError(
      'cors',
      `"${key}" must be an array of ${what} (got ${show(value)}).`,
      EXAMPLE,
    );
  }
  return [...(value as string[])];
}

/**
 * CORS headers for every response, with the `cors` package underneath. A
 * preflight goes on to the routers, which answer it with the resource's own
 * methods (an endpoint's `Allow`). Each request may override the origin and
 * credentials with `?origin=` (`{ECHO}` echoes its `Origin`) and `?creds=0|1`,
 * as the original's CORS test server allowed; a bad value gets 400.
 */
export function cors(opts?: CorsOptions): RequestHandler {
  assertNotMiddlewareCall('cors', opts);
  const options = optionsObject(
    'cors',
    opts,
    [
      'origins',
      'allowAllOrigins',
      'allowedHeaders',
      'allowedMethods',
      'allowCredentials',
      'overrides',
    ],
    EXAMPLE,
  );
  const allowAll = booleanOption('cors', options, 'allowAllOrigins', false, EXAMPLE);
  const credentials = booleanOption('cors', options, 'allowCredentials', false, EXAMPLE);
  const overrides = booleanOption('cors', options, 'overrides', true, EXAMPLE);
  const origins = options.origins ?? '*';
  let origin: CorsPackageOptions['origin'];
  if (allowAll) origin = true;
  else if (origins === '*') origin = '*';
  else {
    const list = stringList(
      'origins',
      origins,
      HEADER_SAFE,
      "origins like 'https://example.com', or '*'",
    );
    origin = list.includes('*') ? '*' : list;
  }
  const allowedHeaders = stringList(
    'allowedHeaders',
    options.allowedHeaders ?? DEFAULT_ALLOWED_HEADERS,
    TOKEN,
    'header names',
  );
  const methods =
    options.allowedMethods === undefined
      ? ''
      : stringList('allowedMethods', options.allowedMethods, TOKEN, 'HTTP methods')
          .map((m) => m.toUpperCase())
          .join(',');

  const defaults: CorsPackageOptions = {
    origin,
    credentials,
    allowedHeaders,
    methods,
    preflightContinue: true,
  };
  const fixed = corsMiddleware(defaults);
  const perRequest = corsMiddleware((req, callback) => {
    const wanted = queryParam(req as Request, 'origin');
    const creds = queryParam(req as Request, 'creds');
    if (wanted !== undefined && !HEADER_SAFE.test(wanted)) {
      return callback(new HttpError(400, 'The origin parameter must be an origin or {ECHO}.'));
    }
    if (creds !== undefined && creds !== '0' && creds !== '1') {
      return callback(new HttpError(400, 'The creds parameter must be 0 or 1.'));
    }
    callback(null, {
      ...defaults,
      ...(wanted !== undefined ? { origin: wanted === '{ECHO}' ? true : wanted } : {}),
      ...(creds !== undefined ? { credentials: creds === '1' } : {}),
    });
  });

  return function corsHandler(req: Request, res: Response, next: NextFunction) {
    if (overrides && req.url.includes('?')) return perRequest(req, res, next);
    fixed(req, res, next);
  };
}
