// What a request's path is, decided in one place for auth, dispatch and static files.
import type { Request } from 'express';
import { canonicalDecoded, decodePath, isPlainPath, splitTarget, type PathProblem } from './path';

/** A decoded path, or why it cannot be decoded (`originalPath()` and `currentPath()` keep a NUL). */
export type DecodedPath = string | PathProblem;

function decoded(path: string): DecodedPath {
  return decodePath(path) ?? 'malformed';
}

/** True when a decoded path is a problem rather than a path. */
export function isProblem(path: DecodedPath): path is PathProblem {
  return path === 'malformed' || path === 'nul';
}

/**
 * The request's path as it arrived, percent-decoded but not canonicalised
 * (`/a/../b` stays so), from the application's root: what `req.rawPath`
 * gives and what endpoints taking raw arguments are dispatched on.
 */
export function originalPath(req: Request): DecodedPath {
  const target = splitTarget(req.originalUrl ?? req.url);
  return target ? decoded(target.path) : '/';
}

/**
 * The path below the mount point that the request is routed on now, not
 * decoded: `req.path`, or for a bare Node request (a Router on
 * `http.createServer`, where `req.path` is Express's and absent) the path
 * of `req.url`.
 */
export function routedPath(req: Request): string {
  const path = req.path as string | undefined;
  if (path !== undefined) return path;
  const mark = req.url.indexOf('?');
  return mark === -1 ? req.url : req.url.slice(0, mark);
}

/**
 * The path the request is routed on now, decoded, from the application's
 * root: the mount point (`req.baseUrl`) and {@link routedPath}. After
 * `canonicalize()` it is canonical; a middleware that rewrote `req.url`
 * changes it.
 */
export function currentPath(req: Request): DecodedPath {
  return decoded(req.baseUrl + routedPath(req));
}

/** The decoded mount point of the request's router, from the application's root (`''` at the root). */
export function mountPath(req: Request): string {
  const base = req.baseUrl;
  // Most mount points are plain: nothing to decode, no empty segment.
  if (base === '' || (!base.includes('%') && !base.includes('//') && !base.endsWith('/'))) {
    return base;
  }
  const segments = mountSegments(req);
  return segments.length === 0 ? '' : `/${segments.join('/')}`;
}

/**
 * Every spelling of the request's path that something downstream may act
 * on, decoded, from the application's root: as it arrived (raw dispatch,
 * routes without `canonicalize()`) and as it is routed now. A check that
 * must hold whatever the spelling (a secret) checks each, and every place
 * each passes through on its way (see `walkPath()`). A problem (malformed
 * encoding, a NUL) when either cannot be decoded.
 */
export function pathSpellings(req: Request): readonly string[] | PathProblem {
  const original = originalPath(req);
  if (isProblem(original)) return original;
  const current = currentPath(req);
  if (isProblem(current)) return current;
  if (original.includes('\0') || current.includes('\0')) return 'nul';
  return current === original ? [original] : [original, current];
}

/** The decoded segments of the mount point the request reached this router through. */
export function mountSegments(req: Request): string[] {
  const segments: string[] = [];
  for (const segment of req.baseUrl.split('/')) {
    if (segment) segments.push(decodePath(segment) ?? segment);
  }
  return segments;
}

/**
 * The canonical decoded path below the mount point (`req.path`, decoded and
 * with dot segments resolved), as static files and folder listings use it.
 */
export function canonicalPath(req: Request): DecodedPath {
  const path = routedPath(req);
  // Nothing to decode or resolve: after canonicalize(), the common case.
  return isPlainPath(path) ? path : canonicalDecoded(path);
}

/** Apps with a `canonicalize()` that has seen a request: Express routes their requests on canonical paths. */
const canonicalApps = new WeakSet<object>();

/** Records that `canonicalize()` runs in the request's app (once per app, not per request). */
export function markCanonical(req: Request): void {
  const app = req.app as object | undefined;
  if (app !== undefined && !canonicalApps.has(app)) canonicalApps.add(app);
}

/**
 * Whether Express routes the request's app on canonical paths: a
 * `canonicalize()` in it has seen a request, so a mount prefix matches every
 * spelling of the paths below it.
 */
export function isCanonical(req: Request): boolean {
  const app = req.app as object | undefined;
  return app !== undefined && canonicalApps.has(app);
}
