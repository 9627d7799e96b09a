// Cookie sessions: the session id a cookie carries, GET /login and /logout, and how accounts sign a user in with a session.
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { parseCookie, stringifySetCookie } from 'cookie';
import { gotoParamLocation } from '../http/location';
import { escapeHtml } from '../http/html';
import { queryParam, sendBody, sendEmpty } from '../http/respond';
import { forbidden, unauthorized, type Identification } from '../access';
import { isThenable } from '../shared/thenable';
import type { SessionUser, UserRecord } from '../types';
import type { ParsedSessions } from './options';

export { MemorySessionStore } from './memory-store';
export type { MemorySessionStoreOptions } from './memory-store';
export type { ParsedSessions, SessionOptions } from './options';
export { parseCookieOptions, parseSessionStore } from './options';
export { RedisSessionStore } from './redis-store';
export type { RedisSessionStoreOptions } from './redis-store';

/** Session ids: 256 random bits as lowercase hex, like the original's. */
const SESSION_ID = /^[0-9a-f]{64}$/;

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

/**
 * Ends a login/logout: a redirect to the `goto` address, or `status` with an
 * empty body, as the original; a browser (one that asks for `text/html` by
 * name) gets a line saying what happened, so it does not show a blank page.
 */
function sendGoto(
  req: Request,
  res: Response,
  location: string | undefined,
  said: string,
  status = 200,
): void {
  if (location !== undefined) res.setHeader('Location', location);
  // The answer depends on Accept: a cache must not give a browser's to a script.
  if (location === undefined && status === 200) res.appendHeader('Vary', 'Accept');
  if (location === undefined && status === 200 && req.headers.accept?.includes('text/html')) {
    const page = `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(said)}</title></head><body><p>${escapeHtml(said)}</p></body></html>\n`;
    return sendBody(res, 200, 'text/html; charset=utf-8', Buffer.from(page, 'utf8'));
  }
  sendEmpty(res, location !== undefined ? 302 : status);
}

function sessionUser(user: UserRecord): SessionUser {
  return { username: user.username, roles: [...user.roles] };
}

/**
 * Requests identified by a session cookie. Its endpoints are the original's
 * dummy ones: `GET /login[?goto=URL]` issues a fresh random session cookie
 * (dropping the caller's previous session), `GET /logout[?goto=URL]`
 * forgets it on both sides; each answers 200 with an empty body, or 302 to
 * `goto`. Accounts replace `/login` with one that takes credentials.
 */
export function cookieSessions(sessions: ParsedSessions): Identification {
  const { cookieName, ttl, sameSite, secure, store, path, domain, maxAge, partitioned } = sessions;

  const cookie = (req: Request, value: string, clear: boolean): string =>
    stringifySetCookie({
      name: cookieName,
      value,
      path,
      ...(domain !== undefined ? { domain } : {}),
      ...(maxAge !== undefined && !clear ? { maxAge: Math.floor(maxAge / 1000) } : {}),
      ...(partitioned ? { partitioned: true } : {}),
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

  return {
    identify(req) {
      const id = sessionIdOf(req, cookieName);
      if (id === undefined) return undefined;
      const found = store.get(id);
      // Promise.resolve: a store's thenable is taken as the promise it stands for.
      if (isThenable(found)) {
        return Promise.resolve(found).then((data) => (data ? { ...data, id } : undefined));
      }
      return found ? { ...found, id } : undefined;
    },
    deny: (_req, base, status) => (status === 401 ? unauthorized(base) : forbidden()),
    endpoints: {
      spec: { login: {}, logout: {} },
      handlers: {
        async logout(req, res) {
          const location = gotoLocation(req);
          const id = sessionIdOf(req, cookieName);
          if (id !== undefined) await store.delete(id);
          res.appendHeader('Set-Cookie', cookie(req, '', true));
          sendGoto(req, res, location, 'Logged out: the session is gone.');
        },
        async login(req, res) {
          const location = gotoLocation(req);
          await startSession(req, res);
          sendGoto(req, res, location, `Logged in: a new session (the ${cookieName} cookie).`);
        },
      },
    },
    signIn: {
      loginMethods: ['GET', 'POST'],
      wrap: (handler) => handler,
      prepare(req) {
        const location = gotoLocation(req);
        return async (res, user, status) => {
          await startSession(req, res, user);
          sendGoto(req, res, location, `Logged in as ${user.username}.`, status);
        };
      },
      endAll: async (username) => {
        await store.deleteUser!(username);
      },
    },
  };
}
