// auth() options: the public AuthOptions type, one part per room, and which mode they make.
import { ConfigError } from '../shared/errors';
import { optionsObject } from '../shared/options';
import { parseAccessOptions, type AccessOptions, type ParsedAccess } from '../access';
import { parseAccountOptions, type AccountOptions, type Accounts } from '../accounts';
import {
  parseCookieOptions,
  parseSessionStore,
  type ParsedSessions,
  type SessionOptions,
} from '../sessions';
import { parseTokenOptions, type ParsedTokens, type TokenOptions } from '../tokens';

export type { RoleSecret } from '../access';
export type {
  HashingOptions,
  LockoutOptions,
  PasswordPolicy,
  RegisterPredicate,
  UserEntry,
} from '../accounts';
export { ORIGINAL_PASSWORD_POLICY } from '../accounts';
export type { TokenOptions } from '../tokens';

/** Options for `auth()`: who may have what, the session cookie, the accounts and token mode. */
export interface AuthOptions extends AccessOptions, SessionOptions, AccountOptions {
  /** Token mode (credential mode with JWTs instead of session cookies). Defaults to none: session cookies. */
  tokens?: TokenOptions;
}

/** {@link AuthOptions} after validation, a part per room. */
export interface ParsedAuthOptions {
  access: ParsedAccess;
  sessions: ParsedSessions;
  /** Credential mode (`users` given), else `undefined`. */
  accounts: Accounts | undefined;
  /** Token mode (`tokens` given), else `undefined`. */
  tokens: ParsedTokens | undefined;
}

const EXAMPLE = "auth({ secrets: ['secret', '/topsecret'] })";
const KNOWN = [
  'secrets',
  'cookie',
  'cookieName',
  'maxSessions',
  'ttl',
  'sameSite',
  'secure',
  'store',
  'users',
  'register',
  'canCreateUsers',
  'minPasswordLength',
  'passwordPolicy',
  'tokens',
  'rules',
  'lockout',
  'scrypt',
  'hashing',
];
/** The options only credential mode (`users`) reads. */
const ACCOUNT_ONLY = [
  'register',
  'canCreateUsers',
  'minPasswordLength',
  'passwordPolicy',
  'tokens',
  'lockout',
  'scrypt',
  'hashing',
];

/** Validates auth() options, throwing a `ConfigError` naming the problem. */
export function parseAuthOptions(opts: unknown): ParsedAuthOptions {
  const options = optionsObject('auth', opts, KNOWN, EXAMPLE);
  // Checked in the order they always were: access, the cookie, credential
  // mode (token mode's options within it), the session store.
  const access = parseAccessOptions(options);
  const cookie = parseCookieOptions(options);
  if (options.users === undefined) {
    for (const key of ACCOUNT_ONLY) {
      if (options[key] !== undefined) {
        throw new ConfigError(
          'auth',
          `"${key}" is for credential mode: give "users" too (a list, or a UserStore).`,
          EXAMPLE,
          key,
        );
      }
    }
  }
  let tokens: ParsedTokens | undefined;
  const accounts =
    options.users === undefined
      ? undefined
      : parseAccountOptions(options, () => (tokens = parseTokenOptions(options.tokens)));
  const store = parseSessionStore(options, accounts !== undefined);
  return { access, sessions: { ...cookie, store }, accounts, tokens };
}
