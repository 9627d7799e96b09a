// Shared public types: store contracts and small helpers.
import type { Request } from 'express';

/** A value, or a function of the request that gives it. */
export type ValueOrFn<T> = T | ((req: Request) => T);

/** Who a session belongs to (credential mode); absent for the original's dummy logins. */
export interface SessionUser {
  /** The user's name. */
  username: string;
  /** The user's roles, for secrets that require roles. */
  roles: string[];
}

/** What a {@link SessionStore} keeps for a session id. */
export interface SessionData {
  /** When the session was created, in milliseconds since the epoch. */
  createdAt: number;
  /** When the session ends, in milliseconds since the epoch. */
  expiresAt: number;
  /** Who logged in, when credentials were used. */
  user?: SessionUser;
}

/** A session as handlers see it on `req.session`. */
export interface Session extends SessionData {
  /** The session id (the value of the session cookie). */
  id: string;
}

/**
 * Where `auth()` keeps sessions. Every method may return a promise. A store
 * must not return a session whose `expiresAt` has passed.
 */
export interface SessionStore {
  /** Required. The session with this id, or `undefined` when it is unknown or expired. */
  get(id: string): Promise<SessionData | undefined> | SessionData | undefined;
  /** Required. Saves a new session. */
  set(id: string, data: SessionData): Promise<void> | void;
  /** Required. Forgets a session; an unknown id is not an error. */
  delete(id: string): Promise<void> | void;
  /** Optional. Releases the store's resources. */
  close?(): Promise<void> | void;
}
