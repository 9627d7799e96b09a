// The token-mode options of auth() (tokens: { key, accessTtl, refreshTtl, issuer, audience, store }), validated at construction time.
import type { KeyObject } from 'node:crypto';
import { ConfigError } from '../shared/errors';
import { optionsObject, positiveIntegerOption, show, storeOption } from '../shared/options';
import type { RefreshRecord, RefreshSuccessor, RefreshTokenStore } from '../types';
import { loadTokenKey, type TokenSettings } from './jwt';
import { MemoryRefreshTokenStore } from './memory-store';

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

/** {@link TokenOptions} after validation. */
export interface ParsedTokens {
  settings: TokenSettings;
  /** Refresh-token lifetime, in seconds. */
  refreshTtl: number;
  store: RefreshTokenStore;
}

function fail(problem: string, example: string, option?: string): never {
  throw new ConfigError('auth', problem, example, option);
}

/** Validates the `tokens` option (`undefined` without one), throwing a `ConfigError` naming the problem. */
export function parseTokenOptions(value: unknown): ParsedTokens | undefined {
  if (value === undefined) return undefined;
  const example = 'auth({ users, tokens: { key: process.env.JWT_SECRET, accessTtl: 900 } })';
  const options = optionsObject(
    'auth',
    value,
    ['key', 'accessTtl', 'refreshTtl', 'issuer', 'audience', 'store'],
    example,
  );
  if (options.key === undefined)
    fail(
      '"tokens.key" is required: the secret or private key tokens are signed with.',
      example,
      'tokens.key',
    );
  for (const key of ['issuer', 'audience'] as const) {
    if (options[key] !== undefined && (typeof options[key] !== 'string' || options[key] === '')) {
      fail(
        `"tokens.${key}" must be a non-empty string (got ${show(options[key])}).`,
        example,
        'tokens.',
      );
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
