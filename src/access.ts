// Access checks on a path that a feature asks about for a request: auth() registers one for each request it guards.
import type { Request } from 'express';

/**
 * Decides whether the request may have what lives at `path` (decoded, from
 * the application's root): an error to answer with, or `undefined` to allow.
 */
export type AccessCheck = (path: string) => Error | undefined;

const checks = new WeakMap<Request, AccessCheck[]>();

/** Registers a check for the rest of this request (an `auth()` with secrets does, for each request it sees). */
export function addAccessCheck(req: Request, check: AccessCheck): void {
  const list = checks.get(req);
  if (list) list.push(check);
  else checks.set(req, [check]);
}

/**
 * Asks every check registered for the request about `path`: the first error,
 * or `undefined` when all allow it (or none was registered). Static files
 * ask about the real location of a file reached through a symbolic link,
 * since the request's own path did not name it.
 */
export function checkAccess(req: Request, path: string): Error | undefined {
  const list = checks.get(req);
  if (!list) return undefined;
  for (const check of list) {
    const error = check(path);
    if (error) return error;
  }
  return undefined;
}
