// The credential-mode options of auth() (users, registration, passwords, lockout, hashing), validated at construction time.
import type { Request } from 'express';
import { ConfigError } from '../shared/errors';
import {
  isPlainObject,
  optionsObject,
  positiveIntegerOption,
  show,
  storeOption,
} from '../shared/options';
import type { LockoutStore, UserRecord, UserStore } from '../types';
import { checkRoles } from '../access';
import {
  DEFAULT_SCRYPT,
  checkScryptParams,
  hashPasswordSync,
  hashProblem,
  type ScryptParams,
} from './password';
import { MemoryLockoutStore, MemoryUserStore } from './memory-store';

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

/** The options of `auth()` for credential mode: who may log in, and how passwords are kept. */
export interface AccountOptions {
  /**
   * Credential mode: the users who may log in, as a list (plain `password`s
   * are hashed here) or a `UserStore`. Defaults to none: the original's
   * dummy login, where `GET /login` needs no credentials.
   */
  users?: readonly UserEntry[] | UserStore;
  /** Open `POST /register` (credential mode): `true`, or a predicate deciding each registration. Defaults to `false`. */
  register?: boolean | RegisterPredicate;
  /**
   * Which roles a registration may ask for (`roles` in `POST /register`),
   * by who asks: `''` for anyone, signed in or not, and a role name for a
   * signed-in user with that role. A registration may ask for the roles its
   * asker's entries list together; one asking for any other is 403 and
   * creates nothing, and one whose asker has no entry at all is 403. The
   * original's `can_create_users`. Defaults to `{ '': [] }`: anyone may
   * register, with no roles.
   *
   * ```ts
   * auth({ users, register: true, canCreateUsers: { '': [], admin: ['admin', 'ops'] } })
   * ```
   */
  canCreateUsers?: Readonly<Record<string, readonly string[]>>;
  /** The shortest password `/register` and `/changepwd` accept (`passwordPolicy.minLength`). Defaults to `8`. */
  minPasswordLength?: number;
  /** What a new password must be; `ORIGINAL_PASSWORD_POLICY` is the original's rule. Defaults to `{ minLength: 8, classes: 1 }`. */
  passwordPolicy?: PasswordPolicy;
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

/** {@link AccountOptions} after validation: credential mode. */
export interface Accounts {
  users: UserStore;
  register: RegisterPredicate | undefined;
  /** Which roles a registration may ask for, by who asks (`''`: anyone). */
  canCreateUsers: ReadonlyMap<string, ReadonlySet<string>>;
  passwordPolicy: Required<PasswordPolicy>;
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

const EXAMPLE = "auth({ users: [{ username: 'alice', password: 'wonderland1' }] })";

function fail(problem: string, example = EXAMPLE, option?: string): never {
  throw new ConfigError('auth', problem, example, option);
}

/** The longest username taken at all, checked before any lookup or lockout key. */
export const MAX_USERNAME_LENGTH = 64;
/** Usernames: 1–64 of letters, digits and `. _ @ + -`, so they are safe in logs, keys and pages. */
export const USERNAME = /^[A-Za-z0-9._@+-]{1,64}$/;
/** The longest password taken, so a huge one cannot be used to burn CPU. */
export const MAX_PASSWORD_LENGTH = 1024;

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

function parseLockout(value: unknown): Accounts['lockout'] {
  if (value === false) return undefined;
  const example = 'auth({ users, lockout: { attempts: 3, window: 60000 } })';
  if (value !== undefined && !isPlainObject(value))
    fail(`"lockout" must be an options object or false (got ${show(value)}).`, example, 'lockout');
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
  if (classes > 4)
    fail(
      `"passwordPolicy.classes" must be 1 to 4 (got ${classes}).`,
      example,
      'passwordPolicy.classes',
    );
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

/** Validates the credential-mode options (`users` given), throwing a `ConfigError` naming the problem. */
export function parseAccountOptions(
  options: Record<string, unknown>,
  afterPolicy?: () => void,
): Accounts {
  const scryptExample = 'auth({ users, scrypt: { cost: 65536 } })';
  const given = optionsObject(
    'auth',
    options.scrypt,
    ['cost', 'blockSize', 'parallelization'],
    scryptExample,
  );
  const scrypt = { ...DEFAULT_SCRYPT, ...given } as ScryptParams;
  const problem = checkScryptParams(scrypt);
  if (problem) fail(`"scrypt": ${problem}.`, scryptExample, 'scrypt');

  const register = options.register ?? false;
  if (typeof register !== 'boolean' && typeof register !== 'function') {
    fail(
      `"register" must be true, false or a function (got ${show(register)}).`,
      'auth({ users, register: true })',
      'register',
    );
  }
  const canCreateUsers = parseCanCreateUsers(options.canCreateUsers, register !== false);
  const users = parseUsers(options.users, scrypt);
  const passwordPolicy = parsePasswordPolicy(options);
  // Token mode's options are checked here, between the policy and the lockout, as they always were.
  afterPolicy?.();
  return {
    users,
    register:
      register === true
        ? () => true
        : register === false
          ? undefined
          : (register as RegisterPredicate),
    canCreateUsers,
    passwordPolicy,
    lockout: parseLockout(options.lockout),
    scrypt,
    hashing: parseHashing(options.hashing),
  };
}

/** Checks `canCreateUsers`: an object of role lists, by who asks (`''` for anyone); only with `register`. */
function parseCanCreateUsers(
  given: unknown,
  registering: boolean,
): ReadonlyMap<string, ReadonlySet<string>> {
  const example = "auth({ users, register: true, canCreateUsers: { '': [], admin: ['admin'] } })";
  if (given === undefined) return new Map([['', new Set<string>()]]);
  if (!registering) {
    fail('"canCreateUsers" needs "register" (true or a function).', example, 'canCreateUsers');
  }
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    fail(
      `"canCreateUsers" must be an object of role lists, by who asks ('' for anyone) (got ${show(given)}).`,
      example,
      'canCreateUsers',
    );
  }
  const table = new Map<string, ReadonlySet<string>>();
  for (const [asker, roles] of Object.entries(given as Record<string, unknown>)) {
    if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string' && role !== '')) {
      fail(
        `"canCreateUsers" ${show(asker)} must be a list of role names (got ${show(roles)}).`,
        example,
        'canCreateUsers',
      );
    }
    table.set(asker, new Set(roles as string[]));
  }
  return table;
}
