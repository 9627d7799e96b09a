// createApp(): every feature in one Express app, composed in the documented order, as a user would by hand.
import express, { type Express } from 'express';
import { authMiddleware, type AuthOptions } from '../auth';
import { cacheMiddleware, type CacheOptions } from '../cache';
import { cors, type CorsOptions } from '../cors';
import { canonicalize } from '../endpoints';
import { errorHandler, type ErrorHandlerOptions } from '../error-handler';
import { ConfigError } from '../shared/errors';
import { gotoMiddleware, type GotoOptions } from '../goto';
import { headers, noCache, type HeaderMap } from '../hooks';
import { requestLog, type RequestLogOptions } from '../log';
import { reflectMiddleware, type ReflectOptions } from '../reflect';
import { templatePages, type TemplatesOptions } from '../templates';
import {
  assertNotMiddlewareCall,
  booleanOption,
  isPlainObject,
  optionsObject,
  show,
} from '../shared/options';
import { serveStatic } from '../static';
import { captureParts, type CaptureOptions } from '../capture';

/** Options for {@link createApp}. */
export interface CreateAppOptions {
  /** The folder the static fallback serves. Defaults to the current working folder. */
  root?: string;
  /** List folders that have no `index.html`, as the original did. Defaults to `true`. */
  listing?: boolean;
  /**
   * Serve files whose real location (after symbolic links) is outside
   * `root`. Unsafe: see `serveStatic()`'s `followSymlinks`. Defaults to `false`.
   */
  followSymlinks?: boolean;
  /** Headers sent on every response, error pages included. Defaults to `{}`. */
  headers?: HeaderMap;
  /**
   * Paths matching this (a RegExp, or its source) may be cached by browsers;
   * every other response is sent no-cache. `false`: nothing may be cached.
   * Defaults to `/\.js$/`, as the original's example and test server had it.
   */
  cacheable?: RegExp | string | false;
  /** CORS options, or `false` for no CORS headers. Defaults to `{}`: the original's CORS server defaults. */
  cors?: CorsOptions | false;
  /** Options for `auth()` (`secrets`, …). Defaults to `{}`: login and logout, nothing protected. */
  auth?: AuthOptions;
  /** Options for `goto()`. Defaults to `{}`. */
  goto?: GotoOptions;
  /**
   * Mount `reflect()` (go-httpbin's `/anything`, `/headers`, `/status`,
   * `/response-headers`, `/redirect-to`, `/delay`): its options, or `true`
   * for its defaults. Defaults to `false`.
   */
  reflect?: ReflectOptions | boolean;
  /**
   * Mount `templates()` with these options, and serve its pages at
   * `GET /templates/{name}?FIELD=value` (the query's parameters as fields).
   * Defaults to none.
   */
  templates?: TemplatesOptions;
  /** Options for `cache()` (`maxSize`, …). Defaults to `{}`. */
  cache?: CacheOptions;
  /**
   * Capture bins and their dashboard (`capture()`): its options, or `true`
   * for its defaults. Defaults to `false`.
   */
  capture?: CaptureOptions | boolean;
  /** Options for `requestLog()`, or `false` for no log. Defaults to `false`. */
  log?: RequestLogOptions | false;
  /** Options for `errorHandler()`. Defaults to `{}`. */
  errors?: ErrorHandlerOptions;
  /** Express's `trust proxy` setting, for `req.secure` and client addresses behind a proxy. Defaults to `false`. */
  trustProxy?: boolean | number | string;
}

const EXAMPLE =
  "createApp({ root: './public', auth: { secrets: ['secret'] }, cacheable: /\\.js$/ })";

function objectOption<T>(
  options: Record<string, unknown>,
  key: string,
  allowFalse: boolean,
): T | false | undefined {
  const value = options[key];
  if (value === undefined || (allowFalse && value === false) || isPlainObject(value))
    return value as T | false | undefined;
  throw new ConfigError(
    'createApp',
    `"${key}" must be an options object${allowFalse ? ' or false' : ''} (got ${show(value)}).`,
    EXAMPLE,
    key,
  );
}

/** The original's choice: scripts may be cached, nothing else. */
const DEFAULT_CACHEABLE = /\.js$/;

function cacheablePattern(value: unknown): RegExp | undefined {
  if (value === undefined) return DEFAULT_CACHEABLE;
  if (value === false) return undefined;
  if (value instanceof RegExp) return value;
  if (typeof value === 'string') {
    try {
      return new RegExp(value);
    } catch (err) {
      throw new ConfigError(
        'createApp',
        `"cacheable" is not a valid regular expression: ${(err as Error).message}.`,
        EXAMPLE,
        'cacheable',
      );
    }
  }
  throw new ConfigError(
    'createApp',
    `"cacheable" must be a RegExp, its source, or false (got ${show(value)}).`,
    EXAMPLE,
    'cacheable',
  );
}

/**
 * An Express app serving every feature at once, like the original's demo
 * servers. It answers exactly as this composition, which you can write by
 * hand to change any part of it (it mounts the middleware inside the
 * routers of `auth()`, `goto()` and `cache()` directly, which saves each
 * request a turn of the event loop per router it passes through):
 *
 * ```ts
 * app.use(capture(opts.capture));            // when opts.capture is given: every request recorded
 *                                             // first (with `all`), the dashboard, the bins
 * app.use(requestLog(opts.log));              // when opts.log is given
 * app.use(canonicalize());
 * app.use(headers(opts.headers));
 * app.use(noCache((req) => !opts.cacheable.test(req.path))); // /\.js$/ by default
 * app.use(cors(opts.cors));                   // unless opts.cors is false
 * app.use(auth(opts.auth));
 * app.use(goto(opts.goto));                   // raw arguments: before cache()
 * app.use(reflect(opts.reflect));             // when opts.reflect is given
 * app.use(cache(opts.cache));
 * app.use(templates(opts.templates));        // when opts.templates is given, with
 *                                             // GET /templates/{name}?FIELD=value
 * app.use(serveStatic(opts.root, { listing, followSymlinks, fallthrough: false }));
 * app.use(errorHandler(opts.errors));
 * ```
 */
export function createApp(opts?: CreateAppOptions): Express {
  assertNotMiddlewareCall('createApp', opts);
  const options = optionsObject(
    'createApp',
    opts,
    [
      'root',
      'listing',
      'followSymlinks',
      'headers',
      'cacheable',
      'cors',
      'auth',
      'goto',
      'reflect',
      'cache',
      'capture',
      'log',
      'errors',
      'trustProxy',
      'templates',
    ],
    EXAMPLE,
  );
  const root = options.root ?? process.cwd();
  if (typeof root !== 'string')
    throw new ConfigError(
      'createApp',
      `"root" must be a folder path (got ${show(root)}).`,
      EXAMPLE,
      'root',
    );
  const listing = booleanOption('createApp', options, 'listing', true, EXAMPLE);
  const followSymlinks = booleanOption('createApp', options, 'followSymlinks', false, EXAMPLE);
  const cacheable = cacheablePattern(options.cacheable);
  const log = objectOption<RequestLogOptions>(options, 'log', true);
  const corsOptions = objectOption<CorsOptions>(options, 'cors', true);
  const headerMap = objectOption<HeaderMap>(options, 'headers', false) || {};
  const reflectOptions =
    options.reflect === true ? {} : objectOption<ReflectOptions>(options, 'reflect', true);
  const captureOptions =
    options.capture === true ? {} : objectOption<CaptureOptions>(options, 'capture', true);
  const capture = captureOptions ? captureParts(captureOptions) : undefined;

  const app = express();
  app.disable('x-powered-by');
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  // Capturing every request comes first, so that it sees whatever answers.
  if (capture?.recorder) app.use(capture.recorder);
  if (log) app.use(requestLog(log));
  app.use(canonicalize());
  // The dashboard and the bins answer for themselves: not the app's headers, CORS or auth.
  if (capture?.dashboard) app.use(capture.dashboard.prefix, capture.dashboard.router);
  if (capture) app.use(capture.bins);
  if (Object.keys(headerMap).length > 0) app.use(headers(headerMap));
  app.use(noCache(cacheable ? (req) => !cacheable.test(req.path) : undefined));
  if (corsOptions !== false) app.use(cors(corsOptions || {}));
  // The middleware of auth(), goto() and cache() without the Router around
  // each: the same answers, without a turn of the event loop per Router for
  // every request that passes through (a static file).
  app.use(...authMiddleware(objectOption<AuthOptions>(options, 'auth', false) || {}));
  app.use(gotoMiddleware(objectOption<GotoOptions>(options, 'goto', false) || {}));
  if (reflectOptions) app.use(reflectMiddleware(reflectOptions));
  app.use(cacheMiddleware(objectOption<CacheOptions>(options, 'cache', false) || {}));
  const templatesOptions = objectOption<TemplatesOptions>(options, 'templates', false);
  if (templatesOptions) app.use(...templatePages(templatesOptions));
  app.use(serveStatic(root, { listing, followSymlinks, fallthrough: false }));
  app.use(errorHandler(objectOption<ErrorHandlerOptions>(options, 'errors', false) || {}));
  return app;
}
