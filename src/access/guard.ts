// The access guard: decides each request on its canonical path by ordered rules, then secrets, for whatever identified it.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { recordAccess, recordUnknownSession, refusalFor } from './record';
import {
  isCanonical,
  mountPath as mountPathOf,
  mountSegments,
  pathSpellings,
  routedPath,
} from '../http/request-path';
import { canonicalizePath, decodePath } from '../http/path';
import { answerOptions } from '../http/respond';
import { isToken } from '../http/headers';
import { HttpError } from '../shared/errors';
import { isThenable } from '../shared/thenable';
import type { Session } from '../types';
import type { Identification } from './identity';
import type { ParsedAccess } from './options';
import { decideRules } from './rules';
import { findSecrets, foldSegment, hasRoles } from './secrets';

/** The warning code for an `auth()` at a prefix that Express matches on the encoded path. */
export const PREFIX_WITHOUT_CANONICALIZE = 'MIXNMATCH_AUTH_PREFIX_WITHOUT_CANONICALIZE';

/**
 * A CORS preflight: OPTIONS with `Origin` and `Access-Control-Request-Method`.
 * Browsers never send cookies on one, so it passes the guard for CORS to
 * answer; the request it announces still needs its session.
 */
function isPreflight(req: Request): boolean {
  return (
    req.method === 'OPTIONS' &&
    req.headers.origin !== undefined &&
    req.headers['access-control-request-method'] !== undefined
  );
}

/**
 * The path below a mount point, for rules; `undefined` for a path outside
 * it, which the rules of an `auth()` mounted there do not cover. Express
 * matches mount points in either case.
 */
function belowMount(path: string, base: string): string | undefined {
  if (base === '') return path;
  if (!path.toLowerCase().startsWith(base.toLowerCase())) return undefined;
  const below = path.slice(base.length);
  if (below === '') return '/';
  return below.startsWith('/') ? below : undefined;
}

/** A decoded path with dot segments and doubled slashes resolved (most paths already are). */
function canonicalOf(path: string): string {
  return path.includes('//') || path.includes('/.') ? canonicalizePath(path) : path;
}

/**
 * The paths rules decide a request on, from the application's root: the
 * canonical path, the one dispatch and static files use; in an app without
 * `canonicalize()`, also the path as routed (its routes see it as it is)
 * and the path canonical below the guard's mount point (where a router
 * mounted beside it resolves `..`, never climbing out of the mount).
 */
function rulePathsOf(routed: string, mountPath: string, below: string): string[] {
  const paths = [canonicalOf(routed)];
  if (routed !== paths[0]) paths.push(routed);
  if (mountPath !== '') {
    const inMount = mountPath + canonicalOf(decodePath(below) ?? below);
    if (!paths.includes(inMount)) paths.push(inMount);
  }
  return paths;
}

/** Whether the app a request is in routes letters in their case only (Express's `case sensitive routing`). */
function caseSensitiveRouting(req: Request): boolean {
  const app = req.app as { enabled?: (setting: string) => boolean } | undefined;
  return typeof app?.enabled === 'function' && app.enabled('case sensitive routing');
}

/** Where an `auth()` guard decides: its mount point and how its app routes. */
interface Place {
  /** The guard's `req.baseUrl`, for messages. */
  readonly base: string;
  /** Its mount point, decoded (`''` at the root). */
  readonly mountPath: string;
  /** Its mount point's segments, folded as secrets are. */
  readonly mount: readonly string[];
  /**
   * The case modes rules are matched in: either case, and, in an app with
   * `case sensitive routing`, letters in their case too (the app's own
   * routes), since a Router in it still ignores case by default.
   */
  readonly caseModes: readonly boolean[];
}

const EITHER_CASE: readonly boolean[] = [false];
const BOTH_CASE_MODES: readonly boolean[] = [true, false];

/**
 * A path and its twin with the trailing slash toggled (`/panel`, `/panel/`):
 * Express routes either to a route written with the other, unless strict
 * routing is on (and a Router in the app does so whatever the app says).
 */
function slashVariants(path: string): readonly string[] {
  if (path === '/') return [path];
  return [path, path.endsWith('/') ? path.slice(0, -1) : `${path}/`];
}

/**
 * Answers a CORS preflight to a protected path: 200 and `Allow` with the
 * method it announces (the request itself still needs its session or token).
 */
function answerPreflight(req: Request, res: Response): void {
  const method = String(req.headers['access-control-request-method']).toUpperCase();
  answerOptions(
    req,
    res,
    isToken(method) && method !== 'OPTIONS' ? `${method}, OPTIONS` : 'OPTIONS',
    true,
  );
}

/**
 * The guard of `auth()`: identifies the request as `identity` says, records
 * its session and its check for the features after it (`getSession()`,
 * `requireSession()`, `checkAccess`), and refuses it 401 or 403 when the
 * rules or secrets say so.
 */
export function accessGuard(access: ParsedAccess, identity: Identification): RequestHandler {
  const { secrets, rules } = access;

  /** The mount point's segments, folded as secrets are: computed once per mount path. */
  let mountKey: string | undefined;
  let mount: string[] = [];
  const mountOf = (req: Request): string[] => {
    if (req.baseUrl !== mountKey) {
      mountKey = req.baseUrl;
      mount = mountSegments(req).map(foldSegment);
    }
    return mount;
  };

  /**
   * The answer for a request with `session`: 401, 403, or `undefined` to let
   * it through. Rules decide on `rulePaths` (a refusal on any of them wins;
   * each must be allowed to let the request in); where no rule decides,
   * secrets decide on `secretPaths` and every place those pass through.
   */
  const decide = (
    req: Request,
    place: Place,
    rulePaths: readonly string[],
    secretPaths: readonly string[],
    session: Session | undefined,
  ): HttpError | undefined => {
    if (rules.length > 0) {
      const who = session && {
        username: session.user?.username,
        roles: session.user?.roles ?? [],
      };
      let allowed = true;
      for (const path of rulePaths) {
        const below = belowMount(path, place.mountPath);
        if (below === undefined) {
          allowed = false;
          continue;
        }
        // Every way a route could be written to take this path decides, the stricter winning.
        for (const variant of slashVariants(below)) {
          for (const caseSensitive of place.caseModes) {
            const ruled = decideRules(rules, variant, who, caseSensitive, req.method);
            if (ruled === 401 || ruled === 403) return identity.deny(req, place.base, ruled);
            if (ruled !== 'allow') allowed = false;
          }
        }
      }
      if (allowed) return undefined;
    }
    const matched = findSecrets(secrets, secretPaths, place.mount);
    if (matched.length === 0) return undefined;
    if (session === undefined) return identity.deny(req, place.base, 401);
    return hasRoles(matched, session.user?.roles) ? undefined : identity.deny(req, place.base, 403);
  };

  let warnedPrefix = false;
  const guard = (
    req: Request,
    res: Response,
    next: NextFunction,
    session: Session | undefined,
  ): void => {
    if (secrets.length === 0 && rules.length === 0) {
      recordAccess(req, session, undefined);
      return next();
    }
    if (!warnedPrefix && req.baseUrl !== '' && !isCanonical(req)) {
      warnedPrefix = true;
      process.emitWarning(
        `auth() is mounted at ${req.baseUrl} without canonicalize() before it: Express matches a mount prefix on the percent-encoded path, so a router mounted outside it can serve a spelling of a path below it (${req.baseUrl.replace(/^\/(.)/, (_m, c: string) => `/%${c.charCodeAt(0).toString(16)}`)}/…) without this guard. Mount canonicalize() first, or auth() at the root.`,
        { code: PREFIX_WITHOUT_CANONICALIZE },
      );
    }
    const paths = pathSpellings(req);
    if (typeof paths === 'string') {
      recordAccess(req, session, undefined);
      return next(new HttpError(400, 'The path cannot be decoded.'));
    }
    const mountPath = mountPathOf(req);
    const place: Place = {
      base: req.baseUrl,
      mountPath,
      mount: mountOf(req),
      caseModes: rules.length > 0 && caseSensitiveRouting(req) ? BOTH_CASE_MODES : EITHER_CASE,
    };
    const rulePaths = rulePathsOf(paths[paths.length - 1]!, mountPath, routedPath(req));
    // Later features ask about paths the request did not name (a file's real
    // location, an index file, the path a raw-argument endpoint is handed);
    // a path decided on here already passed.
    recordAccess(req, session, (path) =>
      rulePaths.includes(path) ? undefined : decide(req, place, [path], [path], session),
    );
    const refusal = decide(req, place, rulePaths, paths, session);
    // A CORS preflight carries no cookie or token: answered here for a
    // protected path (CORS headers already set are kept), never passed on to
    // a handler that would not tell it from the request it announces.
    if (refusal && isPreflight(req)) return answerPreflight(req, res);
    next(refusal);
  };

  return function authGuard(req: Request, res: Response, next: NextFunction) {
    const found = identity.identify(req);
    // An identity known at once (the memory store, no cookie) costs no promise turn.
    if (!isThenable(found)) return guard(req, res, next, found);
    found.then(
      (session) => guard(req, res, next, session),
      // The store failed (Redis down, say): a path that needs no session is
      // served as usual, without one; a path that does gets the store's error (503).
      (err: unknown) =>
        guard(
          req,
          res,
          (refusal?: unknown) => {
            // Later checks (requireSession(), a file's real path) answer the same.
            recordUnknownSession(req, err);
            next(refusal instanceof Error ? refusalFor(req, refusal) : refusal);
          },
          undefined,
        ),
    );
  };
}
