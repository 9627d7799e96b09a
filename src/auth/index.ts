// The auth() router (login/logout sessions, protected paths, credential mode) and the requireSession() guard.
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { parseCookie, stringifySetCookie } from 'cookie';
import { endpointsHandler, routerOf } from '../endpoints';
import type { EndpointHandlers, EndpointSpec } from '../endpoints/spec';
import { ConfigError, HttpError } from '../shared/errors';
import { gotoParamLocation } from '../http/location';
import { assertNotMiddlewareCall, optionsObject, show } from '../shared/options';
import { recordAccess, recordedSession } from '../access/record';
import {
  isCanonical,
  mountPath as mountPathOf,
  mountSegments,
  pathSpellings,
  routedPath,
} from '../http/request-path';
import { canonicalizePath, decodePath } from '../http/path';
import { answerOptions, queryParam, sendEmpty } from '../http/respond';
import { isToken } from '../http/headers';
import type { Session, SessionUser, UserRecord } from '../types';
import {
  addressKey,
  checkNewCredentials,
  HashQueue,
  Lockout,
  readCredentials,
  Verifier,
  type Authenticate,
  type PasswordWork,
} from '../accounts/credentials';
import { decideRules } from '../access/rules';
import { tokenEndpoints } from '../tokens/endpoints';
import { verifyAccessToken, type VerifiedClaims } from '../tokens/jwt';
import { parseAuthOptions, type AuthOptions, type Credentials } from './options';
import { findSecrets, foldSegment, hasRoles } from '../access/secrets';

export { MemorySessionStore } from '../sessions/memory-store';
export type { MemorySessionStoreOptions } from '../sessions/memory-store';
export { MemoryLockoutStore, MemoryUserStore } from '../accounts/memory-store';
export { MemoryRefreshTokenStore } from '../tokens/memory-store';
export type { MemoryRefreshTokenStoreOptions } from '../tokens/memory-store';
export type { AccessRule } from '../access/rules';
export type { MemoryLockoutStoreOptions } from '../accounts/memory-store';
export { DEFAULT_SCRYPT, hashPassword, verifyPassword, needsRehash } from '../accounts/password';
export type { ScryptParams } from '../accounts/password';
export { ORIGINAL_PASSWORD_POLICY } from './options';
export type {
  AuthOptions,
  HashingOptions,
  PasswordPolicy,
  TokenOptions,
  LockoutOptions,
  RegisterPredicate,
  RoleSecret,
  UserEntry,
} from './options';

/** Session ids: 256 random bits as lowercase hex, like the original's. */
const SESSION_ID = /^[0-9a-f]{64}$/;

/**
 * The mixnmatch session of a request: set by an `auth()` mounted before, for
 * a request that carries a valid session cookie; `undefined` without one
 * (or without `auth()`). mixnmatch never sets or reads `req.session`, so
 * express-session can live beside it.
 *
 * ```ts
 * app.get('/me', (req, res) => res.json(mixnmatch.getSession(req)?.user ?? null));
 * ```
 */
export function getSession(req: Request): Session | undefined {
  return recordedSession(req) ?? undefined;
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** The session id the request's cookie carries, when it has the right form. */
function sessionIdOf(req: Request, cookieName: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined || !header.includes(cookieName)) return undefined;
  const id = parseCookie(header)[cookieName];
  return id !== undefined && SESSION_ID.test(id) ? id : undefined;
}

/** The `?goto=` address made safe for `Location` (400 when it is not), or `undefined` without one. */
function gotoLocation(req: Request): string | undefined {
  const goto = queryParam(req, 'goto');
  return goto ? gotoParamLocation(goto) : undefined;
}

/** Ends a login/logout: a redirect to the `goto` address, or `status` with an empty body. */
function sendGoto(res: Response, location: string | undefined, status = 200): void {
  if (location !== undefined) res.setHeader('Location', location);
  sendEmpty(res, location !== undefined ? 302 : status);
}

function unauthorized(base: string): HttpError {
  return new HttpError(401, `This path needs a session: log in at ${base}/login first.`);
}

function forbidden(): HttpError {
  return new HttpError(403, 'Your user does not have a role this path needs.');
}

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
 * The password work of credential mode, bounded: verifying a username and
 * password under the lockout (429 past its limits, 401 when wrong),
 * hashing a new password, and counting a registration or password change
 * per client address; all scrypt runs through one {@link HashQueue}.
 */
function passwordWork(credentials: Credentials): PasswordWork {
  const queue = new HashQueue(credentials.hashing.concurrency, credentials.hashing.queue);
  const verifier = new Verifier(credentials.users, credentials.scrypt, queue);
  const lockout = credentials.lockout
    ? new Lockout(
        credentials.lockout.store,
        credentials.lockout.attempts,
        credentials.lockout.addressAttempts,
        credentials.lockout.window,
        credentials.lockout.accountAttempts,
      )
    : undefined;
  const authenticate: Authenticate = async (req, username, password) => {
    const address = addressOf(req);
    // Counted before the password is checked, so parallel guesses cannot outrun the count.
    await lockout?.consume(username, address);
    const user = await verifier.verify(username, password);
    if (!user) throw new HttpError(401, 'Wrong username or password.');
    await lockout?.succeed(username, address);
    return user;
  };
  return {
    authenticate,
    hash: (password) => verifier.hash(password),
    countAccountChange: async (req) => {
      await lockout?.consumeAccountChange(addressOf(req));
    },
  };
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

/** The access token of `Authorization: Bearer <token>`, or `undefined` without one. */
function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i.exec(header);
  return match ? match[1] : '';
}

/** A verified access token as the session `getSession(req)` gives in token mode. */
function tokenSession(claims: VerifiedClaims): Session {
  return {
    id: claims.id,
    createdAt: claims.issuedAt,
    expiresAt: claims.expiresAt,
    user: { username: claims.username, roles: [...claims.roles] },
  };
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

/** The client's address for the lockout (Express's `req.ip` follows `trust proxy`), an IPv6 one by its /64. */
function addressOf(req: Request): string {
  return addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

function sessionUser(user: UserRecord): SessionUser {
  return { username: user.username, roles: [...user.roles] };
}

/**
 * The original's cookie authentication as a Router.
 *
 * Seed mode (no `users`): `GET /login[?goto=URL]` issues a fresh random
 * session cookie (dropping the caller's previous session), `GET
 * /logout[?goto=URL]` forgets it on both sides; each answers 200 with an
 * empty body, or 302 to `goto`.
 *
 * Credential mode (`users`): `POST /login` takes `username` and `password`
 * (form or JSON); `POST /register` (with `register`) and `POST /changepwd`
 * (`username`, `password`, `new_password`) are added; failures are counted
 * per username and per address, and past the limit answered 429.
 *
 * Requests for `secrets` without a valid session get 401; a secret with
 * `roles` answers 403 to a user without one of them. `getSession(req)`
 * gives the session of a request carrying a valid session cookie.
 */
export function auth(opts?: AuthOptions): Router {
  assertNotMiddlewareCall('auth', opts);
  return routerOf(...authMiddleware(opts));
}

/**
 * The two middleware {@link auth} puts in its Router, the guard and the
 * endpoints (`createApp()` mounts them as they are).
 */
export function authMiddleware(opts?: AuthOptions): RequestHandler[] {
  const { secrets, rules, cookieName, ttl, sameSite, secure, store, credentials } =
    parseAuthOptions(opts);
  const tokens = credentials?.tokens;

  const cookie = (req: Request, value: string, clear: boolean): string =>
    stringifySetCookie({
      name: cookieName,
      value,
      path: '/',
      httpOnly: true,
      // A bare Node request (no Express) tells TLS by its socket.
      secure: secure ?? req.secure ?? (req.socket as { encrypted?: boolean }).encrypted === true,
      ...(sameSite ? { sameSite } : {}),
      ...(clear ? { maxAge: 0, expires: new Date(0) } : {}),
    });

  /** Starts a new session (after dropping the caller's previous one) and sets its cookie. */
  const startSession = async (req: Request, res: Response, user?: UserRecord): Promise<void> => {
    const previous = sessionIdOf(req, cookieName);
    if (previous !== undefined) await store.delete(previous);
    const id = randomBytes(32).toString('hex');
    const now = Date.now();
    await store.set(id, {
      createdAt: now,
      expiresAt: now + ttl,
      ...(user ? { user: sessionUser(user) } : {}),
    });
    res.appendHeader('Set-Cookie', cookie(req, id, false));
  };

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
      const identity = session && {
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
            const ruled = decideRules(rules, variant, identity, caseSensitive);
            if (ruled === 401 || ruled === 403) return denied(req, place.base, ruled);
            if (ruled !== 'allow') allowed = false;
          }
        }
      }
      if (allowed) return undefined;
    }
    const matched = findSecrets(secrets, secretPaths, place.mount);
    if (matched.length === 0) return undefined;
    if (session === undefined) return denied(req, place.base, 401);
    return hasRoles(matched, session.user?.roles) ? undefined : denied(req, place.base, 403);
  };

  /** Why the token a request carried was refused (token mode), for its 401's WWW-Authenticate. */
  const refusals = new WeakMap<Request, string>();

  /** A 401 or 403; in token mode with the WWW-Authenticate RFC 6750 asks for. */
  const denied = (req: Request, base: string, status: 401 | 403): HttpError => {
    if (!tokens) return status === 401 ? unauthorized(base) : forbidden();
    const refused = refusals.get(req);
    const challenge =
      status === 403
        ? 'Bearer realm="mixnmatch", error="insufficient_scope"'
        : refused !== undefined
          ? `Bearer realm="mixnmatch", error="invalid_token", error_description="${refused.replace(/["\\]/g, '')}"`
          : 'Bearer realm="mixnmatch"';
    return new HttpError(
      status,
      status === 403
        ? 'Your user does not have a role this path needs.'
        : (refused ??
            `This path needs an access token: POST ${base}/login, then send Authorization: Bearer <access_token>.`),
      { headers: { 'WWW-Authenticate': challenge } },
    );
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

  const guardMiddleware: RequestHandler = function authGuard(
    req: Request,
    res: Response,
    next: NextFunction,
  ) {
    if (tokens) {
      const token = bearerToken(req);
      if (token === undefined) return guard(req, res, next, undefined);
      verifyAccessToken(tokens.settings, token).then((claims) => {
        if ('refused' in claims) {
          refusals.set(req, claims.refused);
          return guard(req, res, next, undefined);
        }
        guard(req, res, next, tokenSession(claims));
      }, next);
      return;
    }
    const id = sessionIdOf(req, cookieName);
    if (id === undefined) return guard(req, res, next, undefined);
    const found = store.get(id);
    // A store that answers at once (the memory store) costs no promise turn.
    if (!isThenable(found)) return guard(req, res, next, found ? { ...found, id } : undefined);
    found.then((data) => {
      guard(req, res, next, data ? { ...data, id } : undefined);
    }, next);
  };

  const spec: Record<string, EndpointSpec[string]> = { login: {}, logout: {} };
  const handlers: Record<string, EndpointHandlers[string]> = {
    async logout(req, res) {
      const location = gotoLocation(req);
      const id = sessionIdOf(req, cookieName);
      if (id !== undefined) await store.delete(id);
      res.appendHeader('Set-Cookie', cookie(req, '', true));
      sendGoto(res, location);
    },
    async login(req, res) {
      const location = gotoLocation(req);
      await startSession(req, res);
      sendGoto(res, location);
    },
  };

  const work = credentials && passwordWork(credentials);

  if (credentials && work && !tokens) {
    const { users, register, passwordPolicy } = credentials;
    const { authenticate } = work;

    spec.login = { methods: ['GET', 'POST'] };
    handlers.login = async function loginWithCredentials(req, res) {
      if (req.method !== 'POST') {
        throw new HttpError(
          401,
          'Log in with POST /login and a username and password (form or JSON).',
        );
      }
      const location = gotoLocation(req);
      const { username, password } = await readCredentials(req, res, ['username', 'password']);
      await startSession(req, res, await authenticate(req, username, password));
      sendGoto(res, location);
    };

    spec.changepwd = { methods: ['POST'] };
    handlers.changepwd = async function changePassword(req, res) {
      const location = gotoLocation(req);
      const fields = await readCredentials(req, res, ['username', 'password', 'new_password']);
      checkNewCredentials(undefined, fields.new_password, passwordPolicy);
      await work.countAccountChange(req);
      const user = await authenticate(req, fields.username, fields.password);
      const changed = await users.update(
        user.username,
        { passwordHash: await work.hash(fields.new_password) },
        { passwordHash: user.passwordHash },
      );
      if (!changed) {
        throw new HttpError(409, 'The password was changed meanwhile; log in with the new one.');
      }
      // Every other session of the user ends; this request gets a fresh one.
      await store.deleteUser!(user.username);
      await startSession(req, res, user);
      sendGoto(res, location);
    };

    if (register) {
      spec.register = { methods: ['POST'] };
      handlers.register = async function registerUser(req, res) {
        const location = gotoLocation(req);
        const { username, password } = await readCredentials(req, res, ['username', 'password']);
        checkNewCredentials(username, password, passwordPolicy);
        if ((await register(req, username)) !== true) {
          throw new HttpError(403, 'Registration is not open to this user.');
        }
        await work.countAccountChange(req);
        const user = { username, passwordHash: await work.hash(password), roles: [] };
        if (!(await users.create(user))) throw new HttpError(400, 'That username is taken.');
        await startSession(req, res, user);
        sendGoto(res, location, 201);
      };
    }
  }

  if (credentials && work && tokens) {
    // Token mode: the endpoints answer with tokens, never a session cookie.
    const endpoints = tokenEndpoints({
      tokens,
      users: credentials.users,
      register: credentials.register,
      policy: credentials.passwordPolicy,
      work,
    });
    return [guardMiddleware, endpointsHandler(endpoints.spec, endpoints.handlers)];
  }

  return [guardMiddleware, endpointsHandler(spec, handlers)];
}

/** Options for {@link requireSession}. */
export interface RequireSessionOptions {
  /** Roles of which the session's user needs one (403 otherwise). Defaults to none: any session will do. */
  roles?: readonly string[];
}

/**
 * A guard for single routes: passes requests with a valid session (as set
 * by an `auth()` mounted before it), answers others 401, and with `roles`
 * a user without one of them 403.
 *
 * ```ts
 * app.use(mixnmatch.auth());
 * app.get('/account', mixnmatch.requireSession(), (req, res) => res.send(getSession(req)!.id));
 * ```
 */
export function requireSession(opts?: RequireSessionOptions): RequestHandler {
  assertNotMiddlewareCall('requireSession', opts);
  const example = "requireSession({ roles: ['admin'] })";
  const options = optionsObject('requireSession', opts, ['roles'], example);
  const roles = options.roles ?? [];
  if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string' && role !== '')) {
    throw new ConfigError(
      'requireSession',
      `"roles" must be an array of role names (got ${show(roles)}).`,
      example,
    );
  }
  const needed = [{ roles: roles as string[] }];
  return function requireSessionMiddleware(req: Request, _res: Response, next: NextFunction) {
    const session = recordedSession(req);
    if (session === undefined) {
      return next(
        new Error(
          'requireSession() needs mixnmatch.auth() mounted before it; no auth() saw this request.',
        ),
      );
    }
    if (session === null) return next(unauthorized(req.baseUrl));
    next(hasRoles(needed, session.user?.roles) ? undefined : forbidden());
  };
}
