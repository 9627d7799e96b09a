// The canonicalize() middleware and the endpoints() router factory.
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import {
  ANSWERS_ERRORS,
  HttpError,
  MethodNotAllowedError,
  NotAnEndpointError,
  type AnswersErrors,
} from '../shared/errors';
import { defineForApp } from '../shared/prototype';
import { checkAccess, hasAccessChecks } from '../access';
import { peekRecord, recordOf } from '../shared/request-record';
import { isThenable } from '../shared/thenable';
import {
  isCanonical,
  isProblem,
  markCanonical,
  mountPath,
  mountSegments,
  originalPath,
} from '../http/request-path';
import { answerOptions } from '../http/respond';
import { assertNotMiddlewareCall, booleanOption, optionsObject } from '../shared/options';
import {
  canonicalDecoded,
  encodePath,
  isPlainPath,
  splitTarget,
  type PathProblem,
} from '../http/path';
import {
  checkArgCount,
  handedPath,
  matchCanonical,
  matchRaw,
  splitArgs,
  type NodeMatch,
} from './dispatch';
import { compileSpec, type CompiledSpec, type EndpointHandlers, type EndpointSpec } from './spec';

export { ARGS_ANY, ARGS_OPTIONAL } from './spec';
export type { EndpointHandlers, EndpointNode, EndpointSpec } from './spec';

/** What `endpoints()` puts on `req.endpoint` before calling a handler. */
export interface EndpointMatch {
  /** The first segment of the endpoint's path (`debug`). */
  root: string;
  /** The endpoint's path below the root, as written in the spec (`sub`, `:username`; `''` for a root). */
  sub: string;
  /** Everything after the endpoint's path and one separating `/` (raw for `rawArgs` endpoints). */
  args: string;
  /** The non-empty segments of `args`. */
  argv: string[];
  /** Values of the `:param` segments, by name. */
  params: Record<string, string>;
}

/** Options for {@link canonicalize}. There are none yet; the argument is checked so typos fail early. */
export type CanonicalizeOptions = Record<string, never>;

/** Options for {@link endpoints}. */
export interface EndpointsOptions {
  /**
   * Pass requests that name no endpoint on with `next()`, so later
   * middleware (a static fallback) can serve them; when false they get a
   * 404 `NotAnEndpointError`. Defaults to `true`.
   */
  fallthrough?: boolean;
  /**
   * Match endpoint names in their case only (`true`), or whatever the case
   * of their ASCII letters (`false`, the original 1.0's way: `/DEBUG`
   * reaches `debug`). Defaults to `true`.
   */
  caseSensitive?: boolean;
}

const EXAMPLE = 'endpoints(spec, handlers, { fallthrough: false, caseSensitive: false })';

const PROBLEMS: Readonly<Record<PathProblem, string>> = {
  malformed: 'The path has malformed percent-encoding.',
  nul: 'The path contains a NUL byte.',
};

function pathError(problem: PathProblem): HttpError {
  return new HttpError(400, PROBLEMS[problem]);
}

/** The decoded, non-canonical path of the request as it arrived (`req.rawPath`). */
function rawPathOf(req: Request): string {
  const path = originalPath(req);
  if (!isProblem(path)) return path;
  return splitTarget(req.originalUrl)?.path ?? req.originalUrl;
}

/** `req.rawPath`: a getter, on the app's request prototype. */
const RAW_PATH: PropertyDescriptor = {
  get(this: Request) {
    return rawPathOf(this);
  },
};

declare module '../shared/request-record' {
  interface RequestRecord {
    /** `req.endpoint` of a request an `endpoints()` handler serves. */
    endpoint?: EndpointMatch;
  }
}

/**
 * `req.endpoint`: an accessor on the app's request prototype, backed by the
 * request's record, since an own property written on each request costs
 * throughput.
 */
const ENDPOINT: PropertyDescriptor = {
  get(this: object) {
    return peekRecord(this)?.endpoint;
  },
  set(this: object, value: EndpointMatch) {
    recordOf(this).endpoint = value;
  },
};

/**
 * Canonicalises the request path for everything after it: percent-decodes
 * the path (not the query), removes `.`/`..` segments and repeated slashes
 * without climbing above `/`, keeps a trailing slash, and re-encodes what
 * needs it, so `req.url`/`req.path` are canonical and decoded exactly once
 * downstream. `req.rawPath` keeps the decoded original; `req.originalUrl` is
 * untouched. A path that cannot be decoded (malformed `%`, NUL) gets 400.
 */
export function canonicalize(opts?: CanonicalizeOptions): RequestHandler {
  assertNotMiddlewareCall('canonicalize', opts);
  optionsObject('canonicalize', opts, [], 'canonicalize()');
  return function canonicalizeMiddleware(req: Request, _res: Response, next: NextFunction) {
    defineForApp(req, 'request', 'rawPath', RAW_PATH);
    markCanonical(req);
    const url = req.url;
    // Fast path: nothing to decode, no dot segments, no doubled slashes.
    if (isPlainPath(url)) return next();
    const target = splitTarget(url);
    if (!target) return next();
    const canonical = canonicalDecoded(target.path);
    if (canonical === 'malformed' || canonical === 'nul') return next(pathError(canonical));
    req.url = encodePath(canonical) + target.query;
    next();
  };
}

/** Resolves the request to a node of a compiled spec, or a 400 for a path that cannot be decoded. */
function resolve(spec: CompiledSpec, req: Request): NodeMatch | HttpError | undefined {
  if (spec.hasRawArgs) {
    const original = splitTarget(req.originalUrl);
    // A path with nothing to decode or resolve is its own canonical form:
    // the canonical match below gives raw endpoints the same arguments.
    if (original && !isPlainPath(original.path)) {
      const raw = originalPath(req);
      if (!isProblem(raw)) {
        const match = matchRaw(spec, raw, mountSegments(req));
        if (match) return match;
      }
    }
  }
  if (isPlainPath(req.url)) return matchCanonical(spec, pathOnly(req.url));
  const target = splitTarget(req.url);
  if (!target) return undefined;
  const canonical = canonicalDecoded(target.path);
  if (canonical === 'malformed' || canonical === 'nul') return pathError(canonical);
  return matchCanonical(spec, canonical);
}

/**
 * Asks the access checks of the `auth()` routers before (see `checkAccess`)
 * about the path a match hands its handler, when it may not be the
 * canonical path they decided on: raw arguments (`/x/../raw/..` hands `raw`
 * the arguments `..`, so its path is `/raw/..`), a name matched in another
 * case, or, in an app without `canonicalize()`, a path resolved below this
 * router's mount point (`/p/../raw` at `/p` is `/p/raw`). An error to
 * answer with, or `undefined`.
 */
function spelledAccess(req: Request, match: NodeMatch, caseSensitive: boolean): Error | undefined {
  if (!match.raw && caseSensitive && isCanonical(req)) return undefined;
  if (!hasAccessChecks(req)) return undefined;
  return checkAccess(req, mountPath(req) + handedPath(match));
}

function pathOnly(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function invoke(handler: RequestHandler, req: Request, res: Response, next: NextFunction): void {
  try {
    const result = handler(req, res, next) as unknown;
    if (isThenable(result)) {
      result.then(undefined, (err: unknown) =>
        next(err ?? new Error('Endpoint handler rejected without a reason')),
      );
    }
  } catch (err) {
    next(err);
  }
}

/**
 * The middleware that {@link endpoints} puts in its Router: what a feature
 * built on endpoints (`auth()`, `goto()`, `cache()`) mounts in its own
 * Router, and `createApp()` mounts as it is. Validates the spec here, once.
 */
export function endpointsHandler(
  spec: EndpointSpec,
  handlers: EndpointHandlers,
  opts?: EndpointsOptions,
): RequestHandler {
  const options = optionsObject('endpoints', opts, ['fallthrough', 'caseSensitive'], EXAMPLE);
  const fallthrough = booleanOption('endpoints', options, 'fallthrough', true, EXAMPLE);
  const caseSensitive = booleanOption('endpoints', options, 'caseSensitive', true, EXAMPLE);
  const compiled = compileSpec(spec, handlers, caseSensitive);

  /** Serves a request resolved to a node (or answers the 400 of an undecodable path). */
  function serve(match: NodeMatch | HttpError, req: Request, res: Response, next: NextFunction) {
    if (match instanceof HttpError) return next(match);
    const refusal = spelledAccess(req, match, caseSensitive);
    if (refusal) return next(refusal);
    const { node } = match;
    const argv = splitArgs(match.args);
    // A handler that answers its errors in its own format answers these too.
    const refuse = (err: HttpError) => {
      const answer = (node.handler as AnswersErrors)[ANSWERS_ERRORS];
      return answer ? answer(err, req, res, next) : next(err);
    };
    const argsError = checkArgCount(node, argv);
    if (argsError) return refuse(argsError);
    if (req.method === 'OPTIONS' && !node.handlesOptions)
      return answerOptions(req, res, node.allow);
    if (!node.methods.has(req.method)) {
      res.setHeader('Allow', node.allow);
      return refuse(new MethodNotAllowedError(node.allowed));
    }
    defineForApp(req, 'request', 'endpoint', ENDPOINT);
    req.endpoint = { root: node.root, sub: node.sub, args: match.args, argv, params: match.params };
    invoke(node.handler, req, res, next);
  }

  return function endpointsMiddleware(req: Request, res: Response, next: NextFunction) {
    defineForApp(req, 'request', 'rawPath', RAW_PATH);
    const match = resolve(compiled, req);
    if (match === undefined) {
      return fallthrough ? next() : next(new NotAnEndpointError(req.path));
    }
    serve(match, req, res, next);
  };
}

/** An `express.Router()` holding `handlers`, as every router factory returns. */
export function routerOf(...handlers: RequestHandler[]): Router {
  const router = express.Router();
  router.use(...handlers);
  return router;
}

/**
 * A Router serving a tree of endpoints. Each node of `spec` names a path
 * segment, with its `methods`, its argument count `args`, `rawArgs` and
 * `children`; `handlers` maps node paths to ordinary Express handlers, and the
 * most specific one on a node's path serves it, with `req.endpoint` set.
 * Paths that name no endpoint fall through to later middleware; a wrong
 * method gets 405 with `Allow`, a wrong argument count 404 with the reason;
 * OPTIONS is answered with `Allow`. The spec is validated here, once.
 */
export function endpoints(
  spec: EndpointSpec,
  handlers: EndpointHandlers,
  opts?: EndpointsOptions,
): Router {
  assertNotMiddlewareCall('endpoints', spec);
  return routerOf(endpointsHandler(spec, handlers, opts));
}
