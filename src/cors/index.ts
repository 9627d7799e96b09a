// The cors() middleware: the original CORS test server's defaults, with per-request ?origin= and ?creds= overrides.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import corsMiddleware, { type CorsOptions as CorsPackageOptions } from 'cors';
import { ConfigError, HttpError } from '../shared/errors';
import { isToken } from '../http/headers';
import { assertNotMiddlewareCall, booleanOption, optionsObject, show } from '../shared/options';
import { queryParam } from '../http/respond';

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
   * `Access-Control-Expose-Headers`: response headers a cross-origin page
   * may read besides the CORS-safelisted ones. Defaults to none.
   */
  exposedHeaders?: readonly string[];
  /** `Access-Control-Max-Age` on preflights, in seconds: how long a browser may cache the answer. Defaults to none sent. */
  maxAge?: number;
  /**
   * Let a request pick its own answer with the query parameters `origin`
   * (an origin, or `{ECHO}` for the request's `Origin`) and `creds` (`0`/`1`):
   * the original's demo feature, which lets any page grant itself
   * credentialed access, so it is off unless asked for. The command turns it
   * on. Defaults to `false`.
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
/** What an origin sent back in a header may hold: visible ASCII, no spaces. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

function nonNegativeInteger(key: string, value: unknown, example: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError(
      'cors',
      `"${key}" must be a number of seconds, 0 or more (got ${show(value)}).`,
      example,
      key,
    );
  }
  return value;
}

function stringList(
  key: string,
  value: unknown,
  check: (value: string) => boolean,
  what: string,
): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && check(v))) {
    throw new ConfigError(
      'cors',
      `"${key}" must be an array of ${what} (got ${show(value)}).`,
      EXAMPLE,
      key,
    );
  }
  return [...(value as string[])];
}

/**
 * Why a value cannot be an origin a browser sends (`Origin` is the
 * serialized origin: a scheme, a lower-case host and a port only when not
 * the default, no path), or `undefined` for one that can, `'*'` or `null`.
 */
function originProblem(value: string): string | undefined {
  if (value === '*' || value === 'null') return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (value.includes('*')) {
    return 'which no browser sends: origins are matched exactly (no wildcards); to echo any origin, use allowAllOrigins (--allow-all-origins)';
  }
  // Schemes without a web origin (an extension's, an app shell's) are sent as written.
  if (url?.origin === 'null' && /^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s]+$/.test(value)) return undefined;
  if (url === undefined || url.origin === 'null') {
    return value.includes('://')
      ? 'which is not an origin (scheme://host[:port])'
      : "which is not an origin (scheme://host[:port]); to allow any origin, quote '*' so the shell does not expand it into file names";
  }
  if (url.origin !== value) {
    return `which no browser sends: an Origin is ${url.origin} (no path, no trailing slash, lower case, no default port)`;
  }
  return undefined;
}

/** The warning code for credentials allowed with origin `*`, which browsers refuse. */
export const CREDENTIALS_WITH_ANY_ORIGIN = 'MIXNMATCH_CORS_CREDENTIALS_WILDCARD';

/**
 * CORS headers for every response, with the `cors` package underneath. A
 * preflight goes on to the routers, which answer it with the resource's own
 * methods (an endpoint's `Allow`). With `overrides: true` each request may
 * override the origin and credentials with `?origin=` (`{ECHO}` echoes its
 * `Origin`) and `?creds=0|1`, as the original's CORS test server allowed; a
 * bad value gets 400. Credentials allowed with origin `*` (which browsers
 * refuse) give a process warning at construction.
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
      'exposedHeaders',
      'maxAge',
      'overrides',
    ],
    EXAMPLE,
  );
  const allowAll = booleanOption('cors', options, 'allowAllOrigins', false, EXAMPLE);
  const credentials = booleanOption('cors', options, 'allowCredentials', false, EXAMPLE);
  const overrides = booleanOption('cors', options, 'overrides', false, EXAMPLE);
  const origins = options.origins ?? '*';
  let origin: CorsPackageOptions['origin'];
  if (allowAll) origin = true;
  else if (origins === '*') origin = '*';
  else {
    const list = stringList(
      'origins',
      origins,
      (v) => HEADER_SAFE.test(v),
      "origins like 'https://example.com', or '*'",
    );
    for (const value of list) {
      const problem = originProblem(value);
      if (problem !== undefined) {
        throw new ConfigError(
          'cors',
          `"origins" has ${show(value)}, ${problem}.`,
          EXAMPLE,
          'origins',
        );
      }
    }
    origin = list.includes('*') ? '*' : list;
  }
  const allowedHeaders = stringList(
    'allowedHeaders',
    options.allowedHeaders ?? DEFAULT_ALLOWED_HEADERS,
    isToken,
    'header names',
  );
  const methods =
    options.allowedMethods === undefined
      ? ''
      : stringList('allowedMethods', options.allowedMethods, isToken, 'HTTP methods')
          .map((m) => m.toUpperCase())
          .join(',');

  const exposedHeaders =
    options.exposedHeaders === undefined
      ? undefined
      : stringList('exposedHeaders', options.exposedHeaders, isToken, 'header names');
  const maxAge =
    options.maxAge === undefined
      ? undefined
      : nonNegativeInteger('maxAge', options.maxAge, 'cors({ maxAge: 600 })');
  if (credentials && origin === '*') {
    process.emitWarning(
      'cors(): credentials are allowed with origin "*", a pair browsers refuse: a credentialed request gets no readable answer. List the origins, or use allowAllOrigins to echo the request\'s Origin.',
      { code: CREDENTIALS_WITH_ANY_ORIGIN },
    );
  }

  const defaults: CorsPackageOptions = {
    origin,
    credentials,
    allowedHeaders,
    methods,
    preflightContinue: true,
    ...(exposedHeaders ? { exposedHeaders } : {}),
    ...(maxAge !== undefined ? { maxAge } : {}),
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

  // The answer to any request that is not a preflight when every origin gets
  // `*`: the same headers the cors package sets then (it varies on nothing),
  // made once here rather than per request.
  const simple: readonly (readonly [string, string])[] | undefined =
    origin === '*'
      ? [
          ['Access-Control-Allow-Origin', '*'],
          ...(credentials ? [['Access-Control-Allow-Credentials', 'true'] as const] : []),
          ...(exposedHeaders?.length
            ? [['Access-Control-Expose-Headers', exposedHeaders.join(',')] as const]
            : []),
        ]
      : undefined;

  return function corsHandler(req: Request, res: Response, next: NextFunction) {
    if (overrides && req.url.includes('?')) return perRequest(req, res, next);
    if (simple && req.method !== 'OPTIONS') {
      for (const [name, value] of simple) res.setHeader(name, value);
      return next();
    }
    fixed(req, res, next);
  };
}
