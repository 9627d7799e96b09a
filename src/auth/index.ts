// The auth() router (login/logout sessions, protected paths) and the requireSession() guard.
import { randomBytes } from 'node:crypto';
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import { parseCookie, stringifySetCookie, type SetCookie } from 'cookie';
import { endpoints } from '../endpoints';
import { canonicalDecoded } from '../endpoints/canonicalize';
import { ConfigError, HttpError } from '../errors';
import { gotoParamLocation } from '../location';
import { sendEmpty } from '../respond';
import { assertNotMiddlewareCall, booleanOption, optionsObject, show } from '../options';
import type { Session, SessionStore } from '../types';
import { MemorySessionStore } from './memory-store';
import { compileSecret, findSecret, type Secret } from './secrets';

export { MemorySessionStore } from './memory-store';
export type { MemorySessionStoreOptions } from './memory-store';

/** Options for {@link auth}. */
export interface AuthOptions {
  /**
   * Paths that need a session: `'/topsecret'` (leading `/`) protects
   * `/topsecret/...` from the router's mount point; `'secret'` protects a
   * whole segment anywhere (`/secret/`, `/foo/secret/`). Matched on the
   * canonical path, case-insensitively. Defaults to `[]`.
   */
  secrets?: readonly string[];
  /** The session cookie's name. Defaults to `'SESSION'`. */
  cookieName?: string;
  /** How many sessions the default store keeps; the least recently used goes first. Defaults to `1000`. */
  maxSessions?: number;
  /** How long a session lasts, in milliseconds. Defaults to `86400000` (a day). */
  ttl?: number;
  /** The cookie's `SameSite` attribute (`'strict'`, `'lax'` or `'none'`). Defaults to none sent, as the original. */
  sameSite?: 'strict' | 'lax' | 'none' | 'Strict' | 'Lax' | 'None';
  /** Send the cookie with `Secure` always (`true`) or never (`false`). Defaults to when the request came over TLS (`req.secure`). */
  secure?: boolean;
  /** Where sessions live. Defaults to a `MemorySessionStore` holding `maxSessions`. */
  store?: SessionStore;
}

const EXAMPLE = "auth({ secrets: ['secret', '/topsecret'] })";
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Session ids: 256 random bits as lowercase hex, like the original's. */
const SESSION_ID = /^[0-9a-f]{64}$/;
const STORE_METHODS = ['get', 'set', 'delete'] as const;

/** Set once an auth() exists, so requireSession() can tell "no session" from "no auth()". */
let authCreated = false;

interface ParsedAuthOptions {
  secrets: Secret[];
  cookieName: string;
  ttl: number;
  sameSite: SetCookie['sameSite'];
  secure: boolean | undefined;
  store: SessionStore;
}

function parseAuthOptions(opts: unknown): ParsedAuthOptions {
  const options = optionsObject(
    'auth',
    opts,
    ['secrets', 'cookieName', 'maxSessions', 'ttl', 'sameSite', 'secure', 'store'],
    EXAMPLE,
  );
  const fail = (problem: string, example = EXAMPLE): never => {
    throw new ConfigError('auth', problem, example);
  };

  const rawSecrets = options.secrets ?? [];
  if (!Array.isArray(rawSecrets))
    fail(`"secrets" must be an array of paths (got ${show(rawSecrets)}).`);
  const secrets = (rawSecrets as unknown[]).map((source) => {
    const secret = typeof source === 'string' ? compileSecret(source) : undefined;
    return (
      secret ?? fail(`secret ${show(source)} must be a path such as "secret" or "/topsecret".`)
    );
  });

  const cookieName = options.cookieName ?? 'SESSION';
  if (typeof cookieName !== 'string' || !COOKIE_NAME.test(cookieName)) {
    fail(
      `"cookieName" must be a cookie name token (got ${show(cookieName)}).`,
      "auth({ cookieName: 'SESSION' })",
    );
  }

  const ttl = options.ttl ?? 86_400_000;
  if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl <= 0) {
    fail(
      `"ttl" must be a positive number of milliseconds (got ${show(ttl)}).`,
      'auth({ ttl: 3600000 })',
    );
  }

  let sameSite: SetCookie['sameSite'];
  if (options.sameSite !== undefined) {
    const value = typeof options.sameSite === 'string' ? options.sameSite.toLowerCase() : '';
    if (value !== 'strict' && value !== 'lax' && value !== 'none') {
      fail(
        `"sameSite" must be "strict", "lax" or "none" (got ${show(options.sameSite)}).`,
        "auth({ sameSite: 'lax' })",
      );
    }
    sameSite = value as SetCookie['sameSite'];
  }

  const secure =
    options.secure === undefined
      ? undefined
      : booleanOption('auth', options, 'secure', false, EXAMPLE);
  if (sameSite === 'none' && secure === false) {
    fail(
      '"sameSite: none" needs Secure cookies: browsers drop it without; leave "secure" unset or true.',
    );
  }

  let store: SessionStore;
  if (options.store !== undefined) {
    if (options.maxSessions !== undefined) {
      fail('"maxSessions" sets up the default store; with your own "store", cap it there.');
    }
    const candidate = options.store as Partial<SessionStore> | null;
    if (candidate === null || typeof candidate !== 'object')
      fail(`"store" must be a SessionStore (got ${show(candidate)}).`);
    for (const method of STORE_METHODS) {
      if (typeof candidate![method] !== 'function') {
        fail(
          `"store" is missing the method ${method}() that a SessionStore needs.`,
          'auth({ store: new MemorySessionStore() })',
        );
      }
    }
    store = candidate as SessionStore;
  } else {
    const maxSessions = options.maxSessions ?? 1000;
    if (typeof maxSessions !== 'number' || !Number.isSafeInteger(maxSessions) || maxSessions < 1) {
      fail(
        `"maxSessions" must be a positive integer (got ${show(maxSessions)}).`,
        'auth({ maxSessions: 1000 })',
      );
    }
    store = new MemorySessionStore({ maxSessions: maxSessions as number });
  }

  return { secrets, cookieName: cookieName as string, ttl: ttl as number, sameSite, secure, store };
}

/** The session id the request's cookie carries, when it has the right form. */
function sessionIdOf(req: Request, cookieName: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined || !header.includes(cookieName)) return undefined;
  const id = parseCookie(header)[cookieName];
  return id !== undefined && SESSION_ID.test(id) ? id : undefined;
}

/** The first `?goto=` value, when there is a non-empty one. */
function gotoParam(req: Request): string | undefined {
  const value = (req.query as Record<string, unknown>).goto;
  const first = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof first === 'string' && first !== '' ? first : undefined;
}

/** Ends a login/logout: 302 to the `goto` address, or 200 with an empty body. */
function sendGoto(res: Response, location: string | undefined): void {
  if (location !== undefined) res.setHeader('Location', location);
  sendEmpty(res, location !== undefined ? 302 : 200);
}

function unauthorized(req: Request): HttpError {
  return new HttpError(401, `This path needs a session: log in at ${req.baseUrl}/login first.`);
}

/**
 * The original's cookie authentication as a Router: `GET /login[?goto=URL]`
 * issues a fresh random session cookie (dropping the caller's previous
 * session), `GET /logout[?goto=URL]` forgets it on both sides; each answers
 * 200 with an empty body, or 302 to `goto`. Requests for `secrets` without a
 * valid session get 401. `req.session` is set for every request carrying a
 * valid session cookie.
 */
export function auth(opts?: AuthOptions): Router {
  assertNotMiddlewareCall('auth', opts);
  const { secrets, cookieName, ttl, sameSite, secure, store } = parseAuthOptions(opts);
  authCreated = true;

  const cookie = (req: Request, value: string, clear: boolean): string =>
    stringifySetCookie({
      name: cookieName,
      value,
      path: '/',
      httpOnly: true,
      secure: secure ?? req.secure,
      ...(sameSite ? { sameSite } : {}),
      ...(clear ? { maxAge: 0, expires: new Date(0) } : {}),
    });

  const guard = (req: Request, next: NextFunction, session: Session | undefined): void => {
    if (secrets.length > 0 && session === undefined) {
      const path = canonicalDecoded(req.path);
      if (path === 'malformed' || path === 'nul')
        return next(new HttpError(400, 'The path cannot be decoded.'));
      if (findSecret(secrets, path)) return next(unauthorized(req));
    }
    next();
  };

  const router = express.Router();
  router.use(function authMiddleware(req: Request, _res: Response, next: NextFunction) {
    const id = sessionIdOf(req, cookieName);
    if (id === undefined) return guard(req, next, undefined);
    Promise.resolve(store.get(id)).then((data) => {
      const session = data ? { ...data, id } : undefined;
      if (session) req.session = session;
      guard(req, next, session);
    }, next);
  });

  router.use(
    endpoints(
      { login: {}, logout: {} },
      {
        async login(req, res) {
          const goto = gotoParam(req);
          const location = goto === undefined ? undefined : gotoParamLocation(goto);
          const previous = sessionIdOf(req, cookieName);
          if (previous !== undefined) await store.delete(previous);
          const id = randomBytes(32).toString('hex');
          const now = Date.now();
          await store.set(id, { createdAt: now, expiresAt: now + ttl });
          res.append('Set-Cookie', cookie(req, id, false));
          sendGoto(res, location);
        },
        async logout(req, res) {
          const goto = gotoParam(req);
          const location = goto === undefined ? undefined : gotoParamLocation(goto);
          const id = sessionIdOf(req, cookieName);
          if (id !== undefined) await store.delete(id);
          res.append('Set-Cookie', cookie(req, '', true));
          sendGoto(res, location);
        },
      },
    ),
  );
  return router;
}

/**
 * A guard for single routes: passes requests with a valid session (as set
 * by an `auth()` mounted before it), answers others 401.
 *
 * ```ts
 * app.use(mixnmatch.auth());
 * app.get('/account', mixnmatch.requireSession(), (req, res) => res.send(req.session.id));
 * ```
 */
export function requireSession(): RequestHandler {
  return function requireSessionMiddleware(req: Request, _res: Response, next: NextFunction) {
    if (req.session !== undefined) return next();
    if (!authCreated) {
      return next(
        new Error('requireSession() needs mixnmatch.auth() mounted before it; none was created.'),
      );
    }
    next(unauthorized(req));
  };
}
