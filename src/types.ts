// Shared public types: store contracts and small helpers.
import type { Request } from 'express';
import type { Hit, NewHit } from './capture/hit';
import type { BinResponse } from './capture/response';

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

/** A session as handlers see it through `getSession(req)`. */
export interface Session extends SessionData {
  /** The session id (the value of the session cookie). */
  id: string;
}

/**
 * Where `auth()` keeps sessions. Every method may return a promise, and
 * each is one atomic call. The store bounds itself: it never returns a
 * session whose `expiresAt` has passed (a shared store lets the session
 * expire then), and it keeps at most its cap of sessions, forgetting the
 * least recently used first. A session carries its user's roles as they
 * were at login; a role change reaches a user's sessions by ending them
 * (`deleteUser`), so the next login carries the new roles.
 */
export interface SessionStore {
  /** Required. The session with this id, or `undefined` when it is unknown or expired. */
  get(id: string): Promise<SessionData | undefined> | SessionData | undefined;
  /** Required. Saves a new session. */
  set(id: string, data: SessionData): Promise<void> | void;
  /** Required. Forgets a session; an unknown id is not an error. */
  delete(id: string): Promise<void> | void;
  /**
   * Optional; required when `auth()` has `users`. Forgets every session of a
   * user (changing a password ends the user's other sessions), through an
   * index of the user's sessions that `set` and `delete` keep in the same
   * atomic call.
   */
  deleteUser?(username: string): Promise<void> | void;
  /** Optional. Makes the store ready; the command calls it at start, before the first request. */
  init?(): Promise<void> | void;
  /** Optional. Releases the store's resources; the command calls it at stop. */
  close?(): Promise<void> | void;
}

/** A user as a {@link UserStore} keeps it. */
export interface UserRecord {
  /** The user's name, as typed at login (compared exactly). */
  username: string;
  /** The password's scrypt hash, `$scrypt$ln=…,r=…,p=…$salt$hash` (see `hashPassword()`). */
  passwordHash: string;
  /** The user's roles, for secrets that require roles. */
  roles: string[];
}

/** Where `auth()` keeps users in credential mode. Every method may return a promise. */
export interface UserStore {
  /** Required. The user with this name, or `undefined`. */
  get(username: string): Promise<UserRecord | undefined> | UserRecord | undefined;
  /** Required. Adds a user unless the name is taken; resolves to whether it was added. Must be atomic. */
  create(user: UserRecord): Promise<boolean> | boolean;
  /**
   * Required. Changes a user's hash and/or roles, atomically; resolves to
   * whether it did. With `expected.passwordHash`, only while the stored hash
   * is still that one (compare-and-set): a rehash at login that races a
   * password change then fails instead of undoing the change. Resolves to
   * `false` for an unknown user or a hash that moved on.
   */
  update(
    username: string,
    changes: Partial<Omit<UserRecord, 'username'>>,
    expected?: { passwordHash?: string },
  ): Promise<boolean> | boolean;
  /** Optional. Makes the store ready; the command calls it at start, before the first request. */
  init?(): Promise<void> | void;
  /** Optional. Releases the store's resources; the command calls it at stop. */
  close?(): Promise<void> | void;
}

/** A count of login attempts within a window. */
export interface AttemptCount {
  /** Attempts counted since the window began, the one just counted included. */
  count: number;
  /** When the window ends and the count starts again, in milliseconds since the epoch. */
  resetAt: number;
}

/**
 * Where `auth()` counts login attempts for its lockout, by key (a username
 * or a client address), so the state can be shared between processes. An
 * attempt is counted before its password is checked, in one atomic call
 * (consume, then verify): however many attempts arrive at once, each gets a
 * distinct count, so at most the limit of them is ever verified. Every
 * method may return a promise.
 */
export interface LockoutStore {
  /**
   * Required. Counts one attempt for `key` and resolves to the new count,
   * atomically: a key without a current window starts one of `windowMs` with
   * a count of 1. Concurrent calls for one key get distinct counts.
   */
  consume(key: string, windowMs: number): Promise<AttemptCount> | AttemptCount;
  /**
   * Required. Gives back one attempt of a key's current window (a login that
   * succeeded from a client address), never below zero; an unknown key is
   * left alone.
   */
  decrement(key: string): Promise<void> | void;
  /** Required. Forgets a key's count (a user who logged in). */
  reset(key: string): Promise<void> | void;
  /** Optional. Makes the store ready; the command calls it at start, before the first request. */
  init?(): Promise<void> | void;
  /** Optional. Releases the store's resources; the command calls it at stop. */
  close?(): Promise<void> | void;
}

/** What a {@link RefreshTokenStore} keeps for a refresh token (by its digest; the token itself is never stored). */
export interface RefreshRecord {
  /** Whose token it is. */
  username: string;
  /** The login it descends from: every token rotated from one login shares it. */
  family: string;
  /** When it expires, in milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * What {@link RefreshTokenStore.rotate} found: `'ok'` the first time a token
 * is used (it is spent now, and its successor is kept in its family),
 * `'reused'` for a token spent before (its whole family has just been
 * revoked: someone holds a stolen copy), `'unknown'` for a token never
 * issued, expired or revoked.
 */
export type RefreshUse = { status: 'ok' | 'reused'; record: RefreshRecord } | { status: 'unknown' };

/** The token that takes a spent one's place: its digest and when it expires. */
export interface RefreshSuccessor {
  /** The new token's digest. */
  digest: string;
  /** When it expires, in milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * Where token mode keeps refresh tokens, by digest (SHA-256 of the token),
 * so a copy of the store gives no usable token. Every method may return a
 * promise, and each is one atomic call.
 */
export interface RefreshTokenStore {
  /** Required. Keeps a new token (a login's first) until its `expiresAt`, in its family and its user's index. */
  add(digest: string, record: RefreshRecord): Promise<void> | void;
  /**
   * Required. Rotates a token in one atomic call: the first use of a token
   * spends it and keeps `next` in its family (same user), so that a reuse
   * detected at any later moment revokes the successor too; of any number
   * of concurrent rotations of one token, exactly one is `'ok'`. A use of a
   * spent token is `'reused'` and revokes every token of the family (the
   * spent ones stay known until then, so that a reuse is recognised).
   */
  rotate(digest: string, next: RefreshSuccessor): Promise<RefreshUse> | RefreshUse;
  /** Required. Revokes one token (logout); resolves to whether it was there. */
  revoke(digest: string): Promise<boolean> | boolean;
  /** Required. Revokes every token of a user (a password change). */
  revokeUser(username: string): Promise<void> | void;
  /** Optional. Makes the store ready; the command calls it at start, before the first request. */
  init?(): Promise<void> | void;
  /** Optional. Releases the store's resources; the command calls it at stop. */
  close?(): Promise<void> | void;
}

/** A bin as a {@link CaptureStore} gives it. */
export interface BinInfo {
  /** The bin's id (`all` for the bin of `capture({ all: true })`). */
  id: string;
  /** When it was made, in milliseconds since the epoch. */
  createdAt: number;
  /** How many of its hits the store holds. */
  hits: number;
  /** How many of its hits retention dropped, oldest first. */
  evicted: number;
  /** What its capture URL answers (the default when `undefined`). */
  response: BinResponse | undefined;
}

/** Which hits {@link CaptureStore.hits} gives. */
export interface HitQuery {
  /** Only hits after this hit id. */
  since?: string;
  /** At most this many, oldest first. Defaults to 100. */
  limit?: number;
  /** Only hits with this label. */
  label?: string;
  /** Only hits with this method. */
  method?: string;
}

/**
 * Where `capture()` keeps bins and their hits. Every method may return a
 * promise, and each is one atomic call. The store bounds itself (oldest
 * hits evicted first, counted per bin) and gives every hit an id ordered
 * within the store, so that a feed that reconnects with the last id it saw
 * gets exactly the hits it missed.
 */
export interface CaptureStore {
  /** Required. Makes a bin; `false` when the id is taken. */
  createBin(id: string, response?: BinResponse): Promise<boolean> | boolean;
  /** Required. A bin, or `undefined`. */
  getBin(id: string): Promise<BinInfo | undefined> | BinInfo | undefined;
  /** Required. Every bin, oldest first. */
  listBins(): Promise<BinInfo[]> | BinInfo[];
  /** Required. Forgets a bin and its hits; whether it was there. */
  deleteBin(id: string): Promise<boolean> | boolean;
  /** Required. Sets what a bin answers (`undefined`: the default); whether the bin is there. */
  setResponse(id: string, response: BinResponse | undefined): Promise<boolean> | boolean;
  /**
   * Required. Counts a hit on a bin before it is answered, atomically: the
   * bin's response and how many hits it had before this one (its place in
   * a response sequence), or `undefined` for an unknown bin.
   */
  take(id: string):
    | Promise<{ response: BinResponse | undefined; ordinal: number } | undefined>
    | {
        response: BinResponse | undefined;
        ordinal: number;
      }
    | undefined;
  /** Required. Keeps a hit of a known bin, giving it its id; `undefined` when the bin is gone. */
  add(hit: NewHit): Promise<Hit | undefined> | Hit | undefined;
  /** Required. A bin's hits, oldest first. */
  hits(bin: string, query?: HitQuery): Promise<Hit[]> | Hit[];
  /** Required. One hit of a bin. */
  hit(bin: string, id: string): Promise<Hit | undefined> | Hit | undefined;
  /** Required. Forgets one hit; whether it was there. */
  deleteHit(bin: string, id: string): Promise<boolean> | boolean;
  /**
   * Required. Calls `listener` with every hit added from now on, of one bin
   * or (`bin` undefined) of all, in id order, whichever process added it;
   * returns how to stop.
   */
  subscribe(bin: string | undefined, listener: (hit: Hit) => void): () => void;
  /**
   * Optional. Settles once every subscription made so far is live: it gets
   * every hit added after, by any process. For a store that starts reading a
   * feed a moment after `subscribe` (Redis); without it, subscriptions are
   * live when `subscribe` returns.
   */
  listening?(): Promise<void>;
  /** Optional. Makes the store ready; the command calls it at start, before the first request. */
  init?(): Promise<void> | void;
  /** Optional. Releases the store's resources; the command calls it at stop. */
  close?(): Promise<void> | void;
}

/** A page as the cache stores and replays it: raw bytes and the Content-Type to send them with. */
export interface CachedPage {
  /** The page's bytes, replayed exactly. */
  readonly data: Buffer;
  /** The Content-Type it is replayed with, without parameters (`text/html`). */
  readonly type: string;
  /**
   * When it was saved, in milliseconds since the epoch (whole seconds, as
   * HTTP dates are): `cache()` gives it, and a store that keeps it gives it
   * back, for `Last-Modified`. Optional: a page without it has an `ETag` only.
   */
  readonly savedAt?: number;
  /** Its strong ETag, made once when it is saved (a store that keeps it spares each GET a hash of the page). Optional. */
  readonly etag?: string;
}

/** The limits `cache()` passes to every {@link PageStore.save} call. */
export interface PageLimits {
  /** The most bytes of page data the store may hold at once (live pages only). */
  readonly maxSize: number;
  /** The most names the store may remember, live and cleared together. */
  readonly maxNames: number;
}

/**
 * What {@link PageStore.save} did:
 * - `'saved'`: the page is stored under the name;
 * - `'exists'`: the name is taken (a live page, or one cleared since) — nothing changed;
 * - `'full'`: the page does not fit in `maxSize` beside the live pages — nothing changed;
 * - `'too-many-names'`: the store already remembers `maxNames` names — nothing changed.
 */
export type PageSaveResult = 'saved' | 'exists' | 'full' | 'too-many-names';

/**
 * What {@link PageStore.get} found: the page, `'cleared'` for a name whose
 * page was cleared, or `undefined` for a name never saved.
 */
export type PageLookup = CachedPage | 'cleared' | undefined;

/**
 * Where `cache()` keeps pages. Each method answers at once or with a
 * promise, as every store contract's do, so a store may live in another
 * process (Redis, a database).
 *
 * A name, once saved, is never reusable: clearing frees its page's bytes but
 * the store keeps remembering the name (a tombstone) and refuses to save it
 * again. The store does the accounting itself and must make each call
 * atomic: under any number of concurrent calls, the total of live page
 * bytes never exceeds `maxSize` and never goes negative, a name is saved at
 * most once, and a page that was saved stays readable until it is cleared.
 * A store in one Node process gets this by doing each check-and-update
 * without an `await` in between; a shared store needs a transaction or a
 * server-side script.
 *
 * A store keeps copies: changing a Buffer passed to `save` or returned by
 * `get` must not change what is stored.
 */
export interface PageStore {
  /**
   * Required. Saves `page` under `name` if the name was never used, the
   * page fits beside the live pages (`size + page.data.length <= maxSize`)
   * and fewer than `maxNames` names are remembered; all checks and the
   * update happen atomically. Checks the name first, so a taken name is
   * `'exists'` even when the cache is full.
   */
  save(
    name: string,
    page: CachedPage,
    limits: PageLimits,
  ): Promise<PageSaveResult> | PageSaveResult;
  /** Required. The page saved under `name`, `'cleared'`, or `undefined` if the name was never saved. */
  get(name: string): Promise<PageLookup> | PageLookup;
  /** Required. Frees the page saved under `name`; the name stays taken. A name never saved is left alone. */
  clear(name: string): Promise<void> | void;
  /** Required. Frees every page; all names stay taken. */
  clearAll(): Promise<void> | void;
  /**
   * Optional. The bytes of page data currently held (live pages only).
   * `cache()` never asks; the contract suite checks the store's accounting
   * with it when the store has it.
   */
  size?(): Promise<number> | number;
  /**
   * Optional. Resolves `true` once a page is saved under `name` (or was
   * saved, cleared since or not), by any process that shares the store;
   * `false` after `timeoutMs`, or when `signal` aborts (the request went
   * away). `GET /cache/{name}?wait=S` asks it; without it, `?wait=` is
   * answered at once.
   */
  waitFor?(name: string, timeoutMs: number, signal: AbortSignal): Promise<boolean>;
  /** Optional. Makes the store ready; the command calls it at start, before the first request. */
  init?(): Promise<void> | void;
  /** Optional. Releases what the store holds (connections, memory); the command calls it at stop. */
  close?(): Promise<void> | void;
}
