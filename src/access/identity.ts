// How a request is identified: the one small interface cookie sessions and bearer tokens implement for the access guard and the accounts.
import type { Request, Response } from 'express';
import type { EndpointHandlers, EndpointSpec } from '../endpoints';
import { HttpError } from '../shared/errors';
import type { Session, UserRecord } from '../types';

/** Endpoints a room adds to `auth()`'s router, by name below its mount point. */
export interface Endpoints {
  spec: Record<string, EndpointSpec[string]>;
  handlers: Record<string, EndpointHandlers[string]>;
}

/**
 * How accounts sign a user in and out in one way of identifying requests:
 * a session cookie, or tokens.
 */
export interface SignIn {
  /** The methods `/login` takes (a GET is answered 401 with how to log in). */
  readonly loginMethods: readonly string[];
  /** Wraps an account endpoint's handler (token mode answers every refusal as JSON). */
  wrap(handler: (req: Request, res: Response) => Promise<void>): EndpointHandlers[string];
  /**
   * Reads what the request says about its answer before anything else (a
   * cookie login's `?goto=`, 400 when unsafe), and gives what signs `user`
   * in and answers with `status`.
   */
  prepare(req: Request): (res: Response, user: UserRecord, status: number) => Promise<void>;
  /** Ends every sign-in of a user (their password changed). */
  endAll(username: string): Promise<void>;
}

/** One way of identifying a request: its row in auth()'s table of modes. */
export interface Identification {
  /** The session a request carries, or `undefined`; at once when it can be known at once. */
  identify(req: Request): Session | undefined | Promise<Session | undefined>;
  /** The 401 (no identity) or 403 (no role) for a refused request, with its challenge. */
  deny(req: Request, base: string, status: 401 | 403): HttpError;
  /** The endpoints it adds (`/login`, `/logout`, …). */
  readonly endpoints: Endpoints;
  /** How accounts sign a user in with it. */
  readonly signIn: SignIn;
}

/** The 401 of a path that needs a session. */
export function unauthorized(base: string): HttpError {
  return new HttpError(401, `This path needs a session: log in at ${base}/login first.`);
}

/** The 403 of a path that needs a role the user does not have. */
export function forbidden(): HttpError {
  return new HttpError(403, 'Your user does not have a role this path needs.');
}
