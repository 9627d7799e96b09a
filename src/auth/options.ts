// auth() options: the public AuthOptions type and their validation at construction time.
import type { Request } from 'express';
import { ConfigError } from '../shared/errors';
import { isToken } from '../http/headers';
import {
  booleanOption,
  isPlainObject,
  optionsObject,
  positiveIntegerOption,
  show,
  storeOption,
} from '../shared/options';
import type { KeyObject } from 'node:crypto';
import type {
  LockoutStore,
  RefreshRecord,
  RefreshSuccessor,
  RefreshTokenStore,
  SessionStore,
  UserRecord,
  UserStore,
} from '../types';
import { MemoryRefreshTokenStore } from '../tokens/memory-store';
import { compileRules, type AccessRule, type CompiledRule } from '../access/rules';
import { loadTokenKey, type TokenSettings } from '../tokens/jwt';
import { MemorySessionStore } from '../sessions/memory-store';
import {
  DEFAULT_SCRYPT,
  checkScryptParams,
  hashPasswordSync,
  hashProblem,
  type ScryptParams,
} from '../accounts/password';
import { compileSecret, type Secret } from '../access/secrets';
import { MemoryLockoutStore, MemoryUserStore } from '../accounts/memory-store';

/** A secret that needs a session whose user has one of `roles`. */
export interface RoleSecret {
  /** The path, as for a plain secret (`'/admin'` anchored, `'admin'` anywhere). */
  path: string;
  /** Roles of which the user needs one; without, a logged-in user gets 403. */
  roles: readonly string[];
}

/** A user given in the `users` option: a password (hashed at construction) or a hash. */
export interface UserEntry {
  username: string;
  /** The password in plain text; hashed when `auth()` is called. */
  password?: string;
  /** The password's hash, as `hashPassword()` makes it. */
  passwordHash?: string;
  /** The user's roles. Defaults to `[]`. */
  roles?: readonly string[];
}

/** Decides whether a registration may go ahead. */
export type RegisterPredicate = (req: Request, username: string) => boolean | Promise<boolean>;

/** Brute-force protection for credential mode. */
export interface LockoutOptions {
  /** Attempts for one username within `window` that are checked; further ones get 429 (a login that succeeds starts the count again). Defaults to `5`. */
  attempts?: number;
  /** Attempts from one client address within `window` that are checked, logins that succeeded not counted; further ones get 429. Defaults to `4 × attempts`. */
  addressAttempts?: number;
  /** The window, in milliseconds, from a key's first attempt. Defaults to `900000` (15 minutes). */
  window?: number;
  /** Registrations and password changes from one client address within `window` (each costs a password hash, so each counts); further ones get 429. Defaults to `20`. */
  accountAttempts?: number;
  /** Where attempts are counted. Defaults to a `MemoryLockoutStore`. */
  store?: LockoutStore;
}

/** Token mode: JWT access tokens and opaque refresh tokens instead of session cookies. */
export interface TokenOptions {
  /**
   * The signing key, which also pins the algorithm: an HMAC secret (32 bytes
   * or more, HS256), or a PEM private key (EC P-256: ES256; RSA of 2048 bits
   * or more: RS256; Ed25519: EdDSA), or a `KeyObject`. Required.
   */
  key: string | Buffer | KeyObject;
  /** Access-token lifetime, in seconds. Defaults to `900` (15 minutes). */
  accessTtl?: number;
  /** Refresh-token lifetime, in seconds. Defaults to `86400` (a day). */
  refreshTtl?: number;
  /** The `iss` claim tokens carry and must carry. Defaults to none. */
  issuer?: string;
  /** The `aud` claim tokens carry and must carry. Defaults to none. */
  audience?: string;
  /** Where refresh tokens are kept (by digest). Defaults to a `MemoryRefreshTokenStore`. */
  store?: RefreshTokenStore;
}

/** How much password hashing runs at once (see `AuthOptions.hashing`). */
export interface HashingOptions {
  /** Hashes computed at once. Defaults to `2`. */
  concurrency?: number;
  /** Requests that may wait for a slot; more get 503. Defaults to `32`. */
  queue?: number;
}

/** What `/register` and `/changepwd` ask of a new password. */
export interface PasswordPolicy {
  /** The fewest characters. Defaults to `8`. */
  minLength?: number;
  /** How many of the classes lower case, upper case, digits and others it must mix. Defaults to `1`. */
  classes?: number;
}

/** The original's password rule: 10 characters from 3 classes. */
export const ORIGINAL_PASSWORD_POLICY: Readonly<Required<PasswordPolicy>> = Object.freeze({
  minLength: 10,
  classes: 3,
});

/** Options for `auth()`. */
export interface AuthOptions {
  /**
   * Paths that need a session: `'/topsecret'` (leading `/`) protects
   * `/topsecret/...` from the router's mount point; `'secret'` protects a
   * whole segment anywhere (`/secret/`, `/foo/secret/`); `{ path, roles }`
   * also needs a user with one of the roles (else 403). Matched on the
   * canonical path, case-insensitively. Defaults to `[]`.
   */
  secrets?: readonly (string | RoleSecret)[];
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
  /**
   * Credential mode: the users who may log in, as a list (plain `password`s
   * are hashed here) or a `UserStore`. Defaults to none: the original's
   * dummy login, where `GET /login` needs no credentials.
   */
  users?: readonly UserEntry[] | UserStore;
  /** Open `POST /register` (credential mode): `true`, or a predicate deciding each registration. Defaults to `false`. */
  register?: boolean | RegisterPredicate;
  /** The shortest password `/register` and `/changepwd` accept (`passwordPolicy.minLength`). Defaults to `8`. */
  minPasswordLength?: number;
  /** What a new password must be; `ORIGINAL_PASSWORD_POLICY` is the original's rule. Defaults to `{ minLength: 8, classes: 1 }`. */
  passwordPolicy?: PasswordPolicy;
  /** Token mode (credential mode with JWTs instead of session cookies). Defaults to none: session cookies. */
  tokens?: TokenOptions;
  /**
   * Ordered access rules, checked before `secrets`: the first whose pattern
   * matches the path decides (see `AccessRule`). Defaults to `[]`.
   */
  rules?: readonly AccessRule[];
  /** Brute-force protection in credential mode, or `false` for none. Defaults to `{}` (5 attempts per username, 20 per address, 20 registrations and password changes per address, 15 minutes). */
  lockout?: LockoutOptions | false;
  /**
   * How much password hashing (scrypt) runs at once, and how many requests
   * may wait for it; past that, 503 with `Retry-After`. scrypt runs in
   * Node's thread pool (four threads unless `UV_THREADPOOL_SIZE` says
   * otherwise), where files are read too. Defaults to `{ concurrency: 2, queue: 32 }`.
   */
  hashing?: HashingOptions;
  /** scrypt parameters for new hashes; existing hashes keep theirs and are upgraded at the next login. Defaults to `{ cost: 32768, blockSize: 8, parallelization: 1 }`. */
  scrypt?: Partial<ScryptParams>;
}

/** The credential-mode part of the parsed options. */
export interface Credentials {
  users: UserStore;
  register: RegisterPredicate | undefined;
  passwordPolicy: Required<PasswordPolicy>;
  tokens: ParsedTokens | undefined;
  lockout:
    | {
        attempts: number;
        addressAttempts: number;
        window: number;
        accountAttempts: number;
        store: LockoutStore;
      }
    | undefined;
  scrypt: ScryptParams;
  hashing: Required<HashingOptions>;
}

/** {@link TokenOptions} after validation. */
export interface ParsedTokens {
  settings: TokenSettings;
  /** Refresh-token lifetime, in seconds. */
  refreshTtl: number;
  store: RefreshTokenStore;
}

/** {@link AuthOptions} after validation. */
export interface ParsedAuthOptions {
  secrets: Secret[];
  rules: CompiledRule[];
  cookieName: string;
  ttl: number;
  sameSite: 'strict' | 'lax' | 'none' | undefined;
  secure: boolean | undefined;
  store: SessionStore;
  credentials: Credentials | undefined;
}

const EXAMPLE = "auth({ secrets: ['secret', '/topsecret'] })";
const KNOWN = [
  'secrets',
  'cookieName',
  'maxSessions',
  'ttl',
  'sameSite',
  'secure',
  'store',
  'users',
  'register',
  'minPasswordLength',
  'passwordPolicy',
  'tokens',
  'rules',
  'lockout',
  'scrypt',
  'hashing',
];
/** The longest username taken at all, checked before any lookup or lockout key. */
export const MAX_USERNAME_LENGTH = 64;
/** Usernames: 1–64 of letters, digits and `. _ @ + -`, so they are safe in logs, keys and pages. */
export const USERNAME = /^[A-Za-z0-9._@+-]{1,64}$/;
/** The longest password taken, so a huge one cannot be used to burn CPU. */
export const MAX_PASSWORD_LENGTH = 1024;

function fail(problem: string, example = EXAMPLE, option?: string): never {
  throw new ConfigError('auth', problem, example, option);
}

function checkRoles(where: string, roles: unknown, option: string): string[] {
  if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string' && role !== '')) {
    fail(
      `${where}: "roles" must be an array of role names (got ${show(roles)}).`,
      "auth({ secrets: [{ path: '/admin', roles: ['admin'] }] })",
      option,
    );
  }
  return [...(roles as string[])];
}

function parseSecrets(value: unknown): Secret[] {
  if (!Array.isArray(value)) fail(`"secrets" must be an array of paths (got ${show(value)}).`);
  return (value as unknown[]).map((entry) => {
    let secret: Secret | undefined;
    if (typeof entry === 'string') secret = compileSecret(entry);
    else if (isPlainObject(entry) && typeof entry.path === 'string') {
      for (const key of Object.keys(entry)) {
        if (key !== 'path' && key !== 'roles')
          fail(
            `secret ${show(entry.path)} has an unknown key "${key}" (keys: path, roles).`,
            EXAMPLE,
            'secrets',
          );
      }
      secret = compileSecret(
        entry.path,
        checkRoles(`secret ${show(entry.path)}`, entry.roles ?? [], 'secrets'),
      );
    }
    return (
      secret ??
      fail(
        `secret ${show(isPlainObject(entry) ? entry.path : entry)} must be a path such as "secret" or "/topsecret", or { path, roles }.`,
        EXAMPLE,
        'secrets',
      )
    );
  });
}

const USERS_EXAMPLE =
  "auth({ users: [{ username: 'alice', password: 'wonderland1', roles: ['admin'] }] })";

function parseUsers(value: unknown, scrypt: ScryptParams): UserStore {
  if (!Array.isArray(value)) {
    return storeOption<UserStore>(
      'auth',
      'users',
      value,
      'UserStore',
      ['get', 'create', 'update'],
      USERS_EXAMPLE,
    );
  }
  return new MemoryUserStore(userRecords(value, scrypt));
}

/**
 * Checks a list of users as the `users` option takes it and gives their
 * records, plain passwords hashed with `scrypt`: the users of `auth({ users })`,
 * and those the command loads into a shared store. A bad entry is a
 * `ConfigError` naming the user.
 */
export function userRecords(
  value: readonly unknown[],
  scrypt: ScryptParams = DEFAULT_SCRYPT,
): UserRecord[] {
  const example = USERS_EXAMPLE;
  const failUser: (problem: string) => never = (problem) => fail(problem, example, 'users');
  const records: UserRecord[] = [];
  for (const entry of value as unknown[]) {
    if (!isPlainObject(entry))
      failUser(
        `each user must be { username, password | passwordHash, roles? } (got ${show(entry)}).`,
      );
    for (const key of Object.keys(entry)) {
      if (!['username', 'password', 'passwordHash', 'roles'].includes(key)) {
        failUser(
          `user ${show(entry.username)} has an unknown key "${key}" (keys: username, password, passwordHash, roles).`,
        );
      }
    }
    const { username, password, passwordHash } = entry;
    if (typeof username !== 'string' || !USERNAME.test(username)) {
      failUser(`user ${show(username)}: a username is 1–64 letters, digits or . _ @ + -.`);
    }
    if ((password === undefined) === (passwordHash === undefined)) {
      failUser(`user "${username}" needs exactly one of "password" and "passwordHash".`);
    }
    if (
      password !== undefined &&
      (typeof password !== 'string' || password === '' || password.length > MAX_PASSWORD_LENGTH)
    ) {
      failUser(
        `user "${username}": "password" must be a non-empty string of at most ${MAX_PASSWORD_LENGTH} characters.`,
      );
    }
    if (passwordHash !== undefined) {
      const problem =
        typeof passwordHash === 'string'
          ? hashProblem(passwordHash)
          : 'is not a hash made by hashPassword() or `mixnmatch hash-password`';
      if (problem) failUser(`user "${username}": "passwordHash" ${problem}.`);
    }
    if (records.some((user) => user.username === username))
      failUser(`user "${username}" is listed twice.`);
    records.push({
      username: username as string,
      passwordHash:
        (passwordHash as string | undefined) ?? hashPasswordSync(password as string, scrypt),
      roles: checkRoles(`user "${username}"`, entry.roles ?? [], 'users'),
    });
  }
  return records;
}

function parseLockout(value: unknown): Credentials['lockout'] {
  if (value === false) return undefined;
  const example = 'auth({ users, lockout: { attempts: 3, window: 60000 } })';
  if (value !== undefined && !isPlainObject(value))
    fail(`"lockout" must be an options object or false (got ${show(value)}).`, example);
  const options = optionsObject(
    'auth',
    value ?? {},
    ['attempts', 'addressAttempts', 'window', 'accountAttempts', 'store'],
    example,
  );
  const attempts = positiveIntegerOption('auth', 'lockout.attempts', options.attempts, 5, example);
  return {
    attempts,
    addressAttempts: positiveIntegerOption(
      'auth',
      'lockout.addressAttempts',
      options.addressAttempts,
      4 * attempts,
      example,
    ),
    window: positiveIntegerOption(
      'auth',
      'lockout.window',
      options.window,
      900_000,
      example,
      'a positive number of milliseconds',
    ),
    accountAttempts: positiveIntegerOption(
      'auth',
      'lockout.accountAttempts',
      options.accountAttempts,
      20,
      example,
    ),
    store:
      options.store === undefined
        ? new MemoryLockoutStore()
        : storeOption<LockoutStore>(
            'auth',
            'lockout.store',
            options.store,
            'LockoutStore',
            ['consume', 'decrement', 'reset'],
            example,
          ),
  };
}

function parseHashing(value: unknown): Required<HashingOptions> {
  const example = 'auth({ users, hashing: { concurrency: 2, queue: 32 } })';
  const options = optionsObject('auth', value, ['concurrency', 'queue'], example);
  return {
    concurrency: positiveIntegerOption(
      'auth',
      'hashing.concurrency',
      options.concurrency,
      2,
      example,
    ),
    queue:
      options.queue === 0
        ? 0
        : positiveIntegerOption('auth', 'hashing.queue', options.queue, 32, example),
  };
}

function parsePasswordPolicy(options: Record<string, unknown>): Required<PasswordPolicy> {
  const example = 'auth({ users, passwordPolicy: ORIGINAL_PASSWORD_POLICY })';
  if (options.minPasswordLength !== undefined && options.passwordPolicy !== undefined) {
    fail('give "passwordPolicy.minLength" or "minPasswordLength", not both.', example);
  }
  const policy = optionsObject('auth', options.passwordPolicy, ['minLength', 'classes'], example);
  const classes = positiveIntegerOption(
    'auth',
    'passwordPolicy.classes',
    policy.classes,
    1,
    example,
  );
  if (classes > 4) fail(`"passwordPolicy.classes" must be 1 to 4 (got ${classes}).`, example);
  return {
    minLength: positiveIntegerOption(
      'auth',
      options.minPasswordLength !== undefined ? 'minPasswordLength' : 'passwordPolicy.minLength',
      options.minPasswordLength ?? policy.minLength,
      8,
      example,
    ),
    classes,
  };
}

function parseTokens(value: unknown): ParsedTokens | undefined {
  if (value === undefined) return undefined;
  const example = 'auth({ users, tokens: { key: process.env.JWT_SECRET, accessTtl: 900 } })';
  const options = optionsObject(
    'auth',
    value,
    ['key', 'accessTtl', 'refreshTtl', 'issuer', 'audience', 'store'],
    example,
  );
  if (options.key === undefined)
    fail('"tokens.key" is required: the secret or private key tokens are signed with.', example);
  for (const key of ['issuer', 'audience'] as const) {
    if (options[key] !== undefined && (typeof options[key] !== 'string' || options[key] === '')) {
      fail(`"tokens.${key}" must be a non-empty string (got ${show(options[key])}).`, example);
    }
  }
  return {
    settings: {
      key: loadTokenKey(options.key),
      accessTtl: positiveIntegerOption(
        'auth',
        'tokens.accessTtl',
        options.accessTtl,
        900,
        example,
        'a positive number of seconds',
      ),
      issuer: options.issuer as string | undefined,
      audience: options.audience as string | undefined,
    },
    refreshTtl: positiveIntegerOption(
      'auth',
      'tokens.refreshTtl',
      options.refreshTtl,
      86_400,
      example,
      'a positive number of seconds',
    ),
    store:
      options.store === undefined
        ? new MemoryRefreshTokenStore()
        : storeOption<RefreshTokenStore>(
            'auth',
            'tokens.store',
            withRotate(options.store),
            'RefreshTokenStore',
            ['add', 'rotate', 'revoke', 'revokeUser'],
            example,
          ),
  };
}

/** A store written for the first contract: `use(digest)`, no `rotate`. */
interface UsingStore extends Omit<RefreshTokenStore, 'rotate'> {
  use(digest: string): ReturnType<RefreshTokenStore['rotate']>;
}

/**
 * A refresh-token store written for the first contract (`use` and no
 * `rotate`) still works, with a warning: its rotation is two calls (`use`,
 * then `add`), so a reuse detected between them misses the new token, the
 * window `rotate` closes.
 */
function withRotate(store: unknown): unknown {
  if (
    !isPlainStore(store) ||
    typeof store.rotate === 'function' ||
    typeof store.use !== 'function'
  ) {
    return store;
  }
  const using = store as unknown as UsingStore;
  process.emitWarning(
    'auth(): the RefreshTokenStore has use() but no rotate(). Implement rotate(digest, next), which spends the token and keeps its successor in one atomic call; until then a reuse that races a rotation can miss the new token.',
    { type: 'DeprecationWarning', code: 'MIXNMATCH_REFRESH_STORE_USE' },
  );
  return {
    add: (digest: string, record: RefreshRecord) => using.add(digest, record),
    async rotate(digest: string, next: RefreshSuccessor) {
      const used = await using.use(digest);
      if (used.status === 'ok') {
        await using.add(next.digest, { ...used.record, expiresAt: next.expiresAt });
      }
      return used;
    },
    revoke: (digest: string) => using.revoke(digest),
    revokeUser: (username: string) => using.revokeUser(username),
    ...(using.close ? { close: () => using.close!() } : {}),
  };
}

function isPlainStore(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

function parseCredentials(options: Record<string, unknown>): Credentials | undefined {
  if (options.users === undefined) {
    for (const key of [
      'register',
      'minPasswordLength',
      'passwordPolicy',
      'tokens',
      'lockout',
      'scrypt',
      'hashing',
    ]) {
      if (options[key] !== undefined)
        fail(`"${key}" is for credential mode: give "users" too (a list, or a UserStore).`);
    }
    return undefined;
  }
  const scryptExample = 'auth({ users, scrypt: { cost: 65536 } })';
  const given = optionsObject(
    'auth',
    options.scrypt,
    ['cost', 'blockSize', 'parallelization'],
    scryptExample,
  );
  const scrypt = { ...DEFAULT_SCRYPT, ...given } as ScryptParams;
  const problem = checkScryptParams(scrypt);
  if (problem) fail(`"scrypt": ${problem}.`, scryptExample);

  const register = options.register ?? false;
  if (typeof register !== 'boolean' && typeof register !== 'function') {
    fail(
      `"register" must be true, false or a function (got ${show(register)}).`,
      'auth({ users, register: true })',
    );
  }
  return {
    users: parseUsers(options.users, scrypt),
    register:
      register === true
        ? () => true
        : register === false
          ? undefined
          : (register as RegisterPredicate),
    passwordPolicy: parsePasswordPolicy(options),
    tokens: parseTokens(options.tokens),
    lockout: parseLockout(options.lockout),
    scrypt,
    hashing: parseHashing(options.hashing),
  };
}

/** Validates auth() options, throwing a `ConfigError` naming the problem. */
export function parseAuthOptions(opts: unknown): ParsedAuthOptions {
  const options = optionsObject('auth', opts, KNOWN, EXAMPLE);
  const secrets = parseSecrets(options.secrets ?? []);
  const rules = compileRules(options.rules);

  const cookieName = options.cookieName ?? 'SESSION';
  if (typeof cookieName !== 'string' || !isToken(cookieName)) {
    fail(
      `"cookieName" must be a cookie name token (got ${show(cookieName)}).`,
      "auth({ cookieName: 'SESSION' })",
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

  let sameSite: ParsedAuthOptions['sameSite'];
  if (options.sameSite !== undefined) {
    const value = typeof options.sameSite === 'string' ? options.sameSite.toLowerCase() : '';
    if (value !== 'strict' && value !== 'lax' && value !== 'none') {
      fail(
        `"sameSite" must be "strict", "lax" or "none" (got ${show(options.sameSite)}).`,
        "auth({ sameSite: 'lax' })",
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
    );
  }

  const credentials = parseCredentials(options);
  let store: SessionStore;
  const storeExample = 'auth({ store: new MemorySessionStore() })';
  if (options.store !== undefined) {
    if (options.maxSessions !== undefined)
      fail('"maxSessions" sets up the default store; with your own "store", cap it there.');
    store = storeOption<SessionStore>(
      'auth',
      'store',
      options.store,
      'SessionStore',
      credentials ? ['get', 'set', 'delete', 'deleteUser'] : ['get', 'set', 'delete'],
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
  return {
    secrets,
    rules,
    cookieName: cookieName as string,
    ttl,
    sameSite,
    secure,
    store,
    credentials,
  };
}
