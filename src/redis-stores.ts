// redisStores(): every store mixnmatch keeps state in, in one Redis, for several processes to share.
import {
  RedisLockoutStore,
  RedisRefreshTokenStore,
  RedisSessionStore,
  RedisUserStore,
} from './auth/redis-store';
import type { RedisSessionStoreOptions } from './auth/redis-store';
import { RedisPageStore } from './cache/redis-store';

/** The stores {@link redisStores} gives, each ready for its option of `auth()` or `cache()`. */
export interface RedisStores {
  /** For `auth({ store })`. */
  sessions: RedisSessionStore;
  /** For `auth({ users })`. */
  users: RedisUserStore;
  /** For `auth({ lockout: { store } })`. */
  lockout: RedisLockoutStore;
  /** For `cache({ store })`. */
  pages: RedisPageStore;
  /** For `auth({ tokens: { store } })`. */
  refreshTokens: RedisRefreshTokenStore;
}

/**
 * Every store in one Redis, with one `sendCommand` and one key `prefix`:
 *
 * ```ts
 * const stores = redisStores({ sendCommand: (args) => client.sendCommand(args) });
 * app.use(auth({ store: stores.sessions, users: stores.users, lockout: { store: stores.lockout } }));
 * app.use(cache({ store: stores.pages }));
 * ```
 */
export function redisStores(options: RedisSessionStoreOptions): RedisStores {
  const shared = {
    sendCommand: options.sendCommand,
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
  };
  return {
    sessions: new RedisSessionStore(options),
    users: new RedisUserStore(shared),
    lockout: new RedisLockoutStore(shared),
    pages: new RedisPageStore(shared),
    refreshTokens: new RedisRefreshTokenStore(shared),
  };
}
