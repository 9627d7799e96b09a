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
  /** Why the session could not be looked up (its store failed): what a refusal for want of one becomes. */
  unknown?: unknown;
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
 * Records that the request's session could not be looked up (its store
 * failed with `err`): a later refusal for want of a session (401, or 403
 * for want of a role) is answered with `err` instead (a 503).
 */
export function recordUnknownSession(req: Request, err: unknown): void {
  const access = recordOf(req).access;
  if (access) access.unknown = err;
}

/** What a refusal for want of a session becomes when the session could not be looked up. */
export function refusalFor(req: Request, refusal: Error): unknown {
  const unknown = peekRecord(req)?.access?.unknown;
  const status = (refusal as { status?: number }).status;
  return unknown !== undefined && (status === 401 || status === 403) ? unknown : refusal;
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
  let error = recorded.check(path);
  for (const check of error ? [] : (recorded.more ?? [])) {
    error = check(path);
    if (error) break;
  }
  return error && (refusalFor(req, error) as Error);
}
