// auth(): the rooms composed by mode (who is asking: a session cookie or a token; with accounts or not) in front of the access guard.
import type { RequestHandler, Router } from 'express';
import { endpointsHandler, routerOf } from '../endpoints';
import { assertNotMiddlewareCall } from '../shared/options';
import { accessGuard, type Endpoints, type Identification } from '../access';
import { accountEndpoints } from '../accounts';
import { cookieSessions } from '../sessions';
import { bearerTokens } from '../tokens';
import { parseAuthOptions, type AuthOptions, type ParsedAuthOptions } from './options';

export { getSession, requireSession, PREFIX_WITHOUT_CANONICALIZE } from '../access';
export type { AccessRule, RequireSessionOptions } from '../access';
export { MemorySessionStore } from '../sessions';
export type { MemorySessionStoreOptions } from '../sessions';
export {
  DEFAULT_SCRYPT,
  hashPassword,
  MemoryLockoutStore,
  MemoryUserStore,
  needsRehash,
  ORIGINAL_PASSWORD_POLICY,
  verifyPassword,
} from '../accounts';
export type { MemoryLockoutStoreOptions, ScryptParams } from '../accounts';
export { MemoryRefreshTokenStore } from '../tokens';
export type { MemoryRefreshTokenStoreOptions } from '../tokens';
export type {
  AuthOptions,
  HashingOptions,
  LockoutOptions,
  PasswordPolicy,
  RegisterPredicate,
  RoleSecret,
  TokenOptions,
  UserEntry,
} from './options';

/** One mode of auth(): when its options make it, how it identifies a request, and whether accounts sign users in. */
interface Mode {
  readonly name: string;
  readonly when: (options: ParsedAuthOptions) => boolean;
  readonly identification: (options: ParsedAuthOptions) => Identification;
}

/** The modes, the first that applies winning. A new way of identifying a request is a row here. */
const MODES: readonly Mode[] = [
  {
    // JWT access tokens and refresh tokens instead of session cookies.
    name: 'token',
    when: (options) => options.tokens !== undefined && options.accounts !== undefined,
    identification: (options) => bearerTokens(options.tokens!, options.accounts!.users),
  },
  {
    // Session cookies; with accounts, POST /login takes a username and password.
    name: 'cookie',
    when: () => true,
    identification: (options) => cookieSessions(options.sessions),
  },
];

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
  const options = parseAuthOptions(opts);
  const mode = MODES.find((row) => row.when(options))!;
  const identification = mode.identification(options);
  const endpoints: Endpoints = options.accounts
    ? merge(
        identification.endpoints,
        accountEndpoints(options.accounts, identification.signIn, identification.identify),
      )
    : identification.endpoints;
  return [
    accessGuard(options.access, identification),
    endpointsHandler(endpoints.spec, endpoints.handlers),
  ];
}

/** Two rooms' endpoints as one; the second's win where both name one (accounts' `/login`). */
function merge(first: Endpoints, second: Endpoints): Endpoints {
  return {
    spec: { ...first.spec, ...second.spec },
    handlers: { ...first.handlers, ...second.handlers },
  };
}
