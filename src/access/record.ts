// What auth() decided for a request, kept for the features after it: the session, and checks on paths the request did not name.
import type { Request } from 'express';
import { peekRecord, recordOf } from '../shared/request-record';
import type { Session } from '../types';

/**
 * Decides whether the request may have what lives at `path` (decoded, from
 * the application's root): an error to answer with, or `undefined` to allow.
 */
export type AccessCheck = (path: string) => Error | undefined;

/** What the `auth()` routers a request passed through recorded. */
interface Access {
  /** The session, or `null` when no valid session came with the request. */
  session: Session | null;
  /** The check of the first `auth()` with secrets. */
  check: AccessCheck | undefined;
  /** The checks of any further ones (rare: `auth()` routers nest). */
  more: AccessCheck[] | undefined;
}

declare module '../shared/request-record' {
  interface RequestRecord {
    /** What the `auth()` routers the request passed through found; written first by the first it meets. */
    access?: Access;
  }
}

/** Records what an `auth()` found for a request: its session (if any) and its check (if it has secrets). */
export function recordAccess(
  req: Request,
  session: Session | undefined,
  check: AccessCheck | undefined,
): void {
  const record = recordOf(req);
  const current = record.access;
  if (current === undefined) {
    record.access = { session: session ?? null, check, more: undefined };
    return;
  }
  if (session) current.session = session;
  if (!check) return;
  if (current.check === undefined) current.check = check;
  else (current.more ??= []).push(check);
}

/**
 * The session an `auth()` found for the request: the session, `null` for
 * none, or `undefined` when no `auth()` has seen the request.
 */
export function recordedSession(req: Request): Session | null | undefined {
  return peekRecord(req)?.access?.session;
}

/** Whether an `auth()` recorded a check for the request (most requests of an app without one did not). */
export function hasAccessChecks(req: Request): boolean {
  return peekRecord(req)?.access?.check !== undefined;
}

/**
 * Asks every check recorded for the request about `path`: the first error,
 * or `undefined` when all allow it (or there are none). Static files ask
 * about the real location of a file reached through a symbolic link, since
 * the request's own path did not name it.
 */
export function checkAccess(req: Request, path: string): Error | undefined {
  const recorded = peekRecord(req)?.access;
  if (recorded?.check === undefined) return undefined;
  const error = recorded.check(path);
  if (error || !recorded.more) return error;
  for (const check of recorded.more) {
    const more = check(path);
    if (more) return more;
  }
  return undefined;
}
