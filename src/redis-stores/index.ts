// redisStores(): every store mixnmatch keeps state in, in one Redis, for several processes to share.
import { RedisLockoutStore, RedisUserStore } from '../accounts';
import { RedisSessionStore, type RedisSessionStoreOptions } from '../sessions';
import { RedisRefreshTokenStore } from '../tokens';
import { RedisPageStore } from '../cache';
import { RedisCaptureStore } from '../capture';
import type { SendCommand } from '../redis';

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
  /** For `capture({ store })`. */
  capture: RedisCaptureStore;
}

/** Options for {@link redisStores}. */
export interface RedisStoresOptions extends RedisSessionStoreOptions {
  /** A connection of its own for the capture feed's blocking reads (see `RedisCaptureStore`). Defaults to none: the feed polls. */
  blockingCommand?: SendCommand;
  /** Another connection of its own, for requests waiting for a page (`?wait=`; see `RedisPageStore`). Defaults to none: they poll. */
  pageBlockingCommand?: SendCommand;
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
export function redisStores(options: RedisStoresOptions): RedisStores {
  const shared = {
    sendCommand: options.sendCommand,
    ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
  };
  return {
    sessions: new RedisSessionStore(options),
    users: new RedisUserStore(shared),
    lockout: new RedisLockoutStore(shared),
    pages: new RedisPageStore({
      ...shared,
      ...(options.pageBlockingCommand ? { blockingCommand: options.pageBlockingCommand } : {}),
    }),
    refreshTokens: new RedisRefreshTokenStore(shared),
    capture: new RedisCaptureStore({
      ...shared,
      ...(options.blockingCommand ? { blockingCommand: options.blockingCommand } : {}),
    }),
  };
}
