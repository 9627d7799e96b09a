// The cookie-session options of auth() (cookieName, ttl, sameSite, secure, store, maxSessions), validated at construction time.
import { ConfigError } from '../shared/errors';
import { isToken } from '../http/headers';
import { booleanOption, positiveIntegerOption, show, storeOption } from '../shared/options';
import type { SessionStore } from '../types';
import { MemorySessionStore } from './memory-store';

/** The options of `auth()` for its session cookie and where sessions live. */
export interface SessionOptions {
  /** The session cookie's name. Defaults to `'SESSION'`. */
  cookieName?: string;
  /** How many sessions the default store keeps; the least recently used goes first. Defaults to `1000`. */
  maxSessions?: number;
  /** How long a session lasts, in milliseconds. Defaults to `86400000` (a day). */
  ttl?: number;
  /** The cookie's `SameSite` attribute (`'strict'`, `'lax'` or `'none'`). Defaults to none sent, as the original. */
  sameSite?: 'strict' | 'lax' | 'none' | 'Strict' | 'Lax' | 'None';
  /** Send the cookie with `Secure` always (`true`) or never (`false`). Defaults to when the request came over TLS (`req.secure`), and always with `sameSite: 'none'`. */
  secure?: boolean;
  /** Where sessions live. Defaults to a `MemorySessionStore` holding `maxSessions`. */
  store?: SessionStore;
}

/** {@link SessionOptions} after validation. */
export interface ParsedSessions {
  cookieName: string;
  ttl: number;
  sameSite: 'strict' | 'lax' | 'none' | undefined;
  secure: boolean | undefined;
  store: SessionStore;
}

const EXAMPLE = "auth({ secrets: ['secret', '/topsecret'] })";

function fail(problem: string, example = EXAMPLE, option?: string): never {
  throw new ConfigError('auth', problem, example, option);
}

/** Validates the cookie's options (name, lifetime, SameSite, Secure), throwing a `ConfigError` naming the problem. */
export function parseCookieOptions(
  options: Record<string, unknown>,
): Omit<ParsedSessions, 'store'> {
  const cookieName = options.cookieName ?? 'SESSION';
  if (typeof cookieName !== 'string' || !isToken(cookieName)) {
    fail(
      `"cookieName" must be a cookie name token (got ${show(cookieName)}).`,
      "auth({ cookieName: 'SESSION' })",
      'cookieName',
    );
  }
  const ttl = positiveIntegerOption(
    'auth',
    'ttl',
    options.ttl,
    86_400_000,
    'auth({ ttl: 3600000 })',
    'a positive number of milliseconds',
  );

  let sameSite: ParsedSessions['sameSite'];
  if (options.sameSite !== undefined) {
    const value = typeof options.sameSite === 'string' ? options.sameSite.toLowerCase() : '';
    if (value !== 'strict' && value !== 'lax' && value !== 'none') {
      fail(
        `"sameSite" must be "strict", "lax" or "none" (got ${show(options.sameSite)}).`,
        "auth({ sameSite: 'lax' })",
        'sameSite',
      );
    }
    sameSite = value;
  }
  // SameSite=None without Secure is dropped by browsers: with none, always
  // Secure (browsers take Secure cookies from http://localhost and 127.0.0.1).
  const secure =
    options.secure === undefined
      ? sameSite === 'none'
        ? true
        : undefined
      : booleanOption('auth', options, 'secure', false, EXAMPLE);
  if (sameSite === 'none' && secure === false) {
    fail(
      '"sameSite: none" needs Secure cookies: browsers drop it without; leave "secure" unset or true.',
      undefined,
      'sameSite',
    );
  }
  return { cookieName: cookieName as string, ttl, sameSite, secure };
}

/**
 * Validates where sessions live (`store`, or `maxSessions` for the default
 * one); `withUsers` (credential mode) asks the store for `deleteUser`.
 */
export function parseSessionStore(
  options: Record<string, unknown>,
  withUsers: boolean,
): SessionStore {
  let store: SessionStore;
  const storeExample = 'auth({ store: new MemorySessionStore() })';
  if (options.store !== undefined) {
    if (options.maxSessions !== undefined)
      fail(
        '"maxSessions" sets up the default store; with your own "store", cap it there.',
        undefined,
        'maxSessions',
      );
    store = storeOption<SessionStore>(
      'auth',
      'store',
      options.store,
      'SessionStore',
      withUsers ? ['get', 'set', 'delete', 'deleteUser'] : ['get', 'set', 'delete'],
      storeExample,
    );
  } else {
    store = new MemorySessionStore({
      maxSessions: positiveIntegerOption(
        'auth',
        'maxSessions',
        options.maxSessions,
        1000,
        'auth({ maxSessions: 1000 })',
      ),
    });
  }
  return store;
}
