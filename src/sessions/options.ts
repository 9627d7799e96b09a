// The cookie-session options of auth() (cookie, ttl, store, maxSessions; the deprecated cookieName, sameSite, secure), validated at construction time.
import { ConfigError } from '../shared/errors';
import { isToken } from '../http/headers';
import { booleanOption, positiveIntegerOption, show, storeOption } from '../shared/options';
import type { SessionStore } from '../types';
import { MemorySessionStore } from './memory-store';

/** The session cookie, in the shape express-session's `cookie` option has. */
export interface SessionCookieOptions {
  /** Its name. Defaults to `'SESSION'`. */
  name?: string;
  /** Its `Path`. Defaults to `'/'`. */
  path?: string;
  /** Its `Domain` (sent to that domain's subdomains too). Defaults to none: this host only. */
  domain?: string;
  /** Milliseconds it lasts in the browser (`Max-Age`), a persistent cookie; none is a session cookie. Defaults to none. */
  maxAge?: number;
  /** Its `SameSite` (`'strict'`, `'lax'` or `'none'`). Defaults to none sent, as the original. */
  sameSite?: 'strict' | 'lax' | 'none' | 'Strict' | 'Lax' | 'None';
  /** `Secure` always (`true`) or never (`false`). Defaults to when the request came over TLS, and always with `sameSite: 'none'` or `partitioned`. */
  secure?: boolean;
  /** `Partitioned` (CHIPS): a third-party cookie a browser keeps per top-level site, which Chromium needs for many cross-site PoCs. Defaults to `false`. */
  partitioned?: boolean;
}

/** The options of `auth()` for its session cookie and where sessions live. */
export interface SessionOptions {
  /** The session cookie: name, path, domain, maxAge, sameSite, secure, partitioned. */
  cookie?: SessionCookieOptions;
  /** @deprecated Use `cookie.name`. The session cookie's name. Defaults to `'SESSION'`. */
  cookieName?: string;
  /** How many sessions the default store keeps; the least recently used goes first. Defaults to `1000`. */
  maxSessions?: number;
  /** How long a session lasts, in milliseconds. Defaults to `86400000` (a day). */
  ttl?: number;
  /** @deprecated Use `cookie.sameSite`. */
  sameSite?: 'strict' | 'lax' | 'none' | 'Strict' | 'Lax' | 'None';
  /** @deprecated Use `cookie.secure`. */
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
  path: string;
  domain: string | undefined;
  /** Milliseconds, or `undefined` for a session cookie. */
  maxAge: number | undefined;
  partitioned: boolean;
  store: SessionStore;
}

/** The old flat keys, and the key of `cookie` each became. */
const DEPRECATED = { cookieName: 'name', sameSite: 'sameSite', secure: 'secure' } as const;
const COOKIE_KEYS = ['name', 'path', 'domain', 'maxAge', 'sameSite', 'secure', 'partitioned'];
const warned = new Set<string>();

const EXAMPLE = "auth({ secrets: ['secret', '/topsecret'] })";

function fail(problem: string, example = EXAMPLE, option?: string): never {
  throw new ConfigError('auth', problem, example, option);
}

/** Validates the cookie's options (name, lifetime, SameSite, Secure), throwing a `ConfigError` naming the problem. */
export function parseCookieOptions(flat: Record<string, unknown>): Omit<ParsedSessions, 'store'> {
  const given = flat.cookie;
  if (
    given !== undefined &&
    (given === null || typeof given !== 'object' || Array.isArray(given))
  ) {
    fail(
      `"cookie" must be an object (got ${show(given)}).`,
      "auth({ cookie: { sameSite: 'lax' } })",
      'cookie',
    );
  }
  const cookieOptions = (given ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(cookieOptions)) {
    if (!COOKIE_KEYS.includes(key)) {
      fail(
        `"cookie" has an unknown key "${key}" (keys: ${COOKIE_KEYS.join(', ')}).`,
        "auth({ cookie: { sameSite: 'lax' } })",
        'cookie',
      );
    }
  }
  // The old flat keys keep working, said once to be deprecated; one setting given both ways is refused.
  const options: Record<string, unknown> = { ...flat };
  for (const [old, key] of Object.entries(DEPRECATED)) {
    if (flat[old] === undefined) {
      options[old] = cookieOptions[key];
      continue;
    }
    if (cookieOptions[key] !== undefined) {
      fail(
        `"${old}" and "cookie.${key}" are the same setting: give "cookie.${key}" only.`,
        undefined,
        old,
      );
    }
    if (!warned.has(old)) {
      warned.add(old);
      process.emitWarning(`auth(): "${old}" is deprecated: use "cookie.${key}".`, {
        code: 'MIXNMATCH_DEPRECATED_COOKIE_OPTION',
      });
    }
  }
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
  const cookieExample = "auth({ cookie: { path: '/', maxAge: 3600000 } })";
  const path = cookieOptions.path ?? '/';
  if (typeof path !== 'string' || !/^\/[\x21-\x3a\x3c-\x7e]*$/.test(path)) {
    fail(
      `"cookie.path" must be a path from the root, such as '/' (got ${show(path)}).`,
      cookieExample,
      'cookie',
    );
  }
  const domain = cookieOptions.domain;
  if (
    domain !== undefined &&
    (typeof domain !== 'string' || !/^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(domain))
  ) {
    fail(
      `"cookie.domain" must be a host name such as 'example.com' (got ${show(domain)}).`,
      cookieExample,
      'cookie',
    );
  }
  const maxAge =
    cookieOptions.maxAge === undefined
      ? undefined
      : positiveIntegerOption(
          'auth',
          'cookie.maxAge',
          cookieOptions.maxAge,
          1,
          cookieExample,
          'a positive number of milliseconds',
        );
  const partitioned =
    cookieOptions.partitioned === undefined
      ? false
      : booleanOption('auth', cookieOptions, 'partitioned', false, cookieExample);
  if (partitioned && secure === false) {
    fail(
      '"cookie.partitioned" needs Secure cookies: leave "secure" unset or true.',
      cookieExample,
      'cookie',
    );
  }
  return {
    cookieName: cookieName as string,
    ttl,
    sameSite,
    // A partitioned cookie is a Secure one, or browsers drop it.
    secure: partitioned && secure === undefined ? true : secure,
    path: path as string,
    domain: domain as string | undefined,
    maxAge,
    partitioned,
  };
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
