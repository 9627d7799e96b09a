// The memory defaults for credential mode: MemoryUserStore and MemoryLockoutStore.
import { positiveIntegerOption } from '../shared/options';
import type { AttemptCount, LockoutStore, UserRecord, UserStore } from '../types';

function copy(user: UserRecord): UserRecord {
  return { username: user.username, passwordHash: user.passwordHash, roles: [...user.roles] };
}

/** Users in a `Map`, preloadable with records (hashes, not passwords). Keeps copies. */
export class MemoryUserStore implements UserStore {
  private readonly users = new Map<string, UserRecord>();

  constructor(users: Iterable<UserRecord> = []) {
    for (const user of users) {
      if (this.users.has(user.username))
        throw new TypeError(`MemoryUserStore: the user "${user.username}" is listed twice.`);
      this.users.set(user.username, copy(user));
    }
  }

  /** How many users it holds. */
  get size(): number {
    return this.users.size;
  }

  get(username: string): UserRecord | undefined {
    const user = this.users.get(username);
    return user && copy(user);
  }

  create(user: UserRecord): boolean {
    if (this.users.has(user.username)) return false;
    this.users.set(user.username, copy(user));
    return true;
  }

  update(
    username: string,
    changes: Partial<Omit<UserRecord, 'username'>>,
    expected: { passwordHash?: string } = {},
  ): boolean {
    const user = this.users.get(username);
    if (!user) return false;
    if (expected.passwordHash !== undefined && user.passwordHash !== expected.passwordHash) {
      return false;
    }
    if (changes.passwordHash !== undefined) user.passwordHash = changes.passwordHash;
    if (changes.roles !== undefined) user.roles = [...changes.roles];
    return true;
  }

  /** Forgets every user. */
  close(): void {
    this.users.clear();
  }
}

/** Options for {@link MemoryLockoutStore}. */
export interface MemoryLockoutStoreOptions {
  /** How many keys it tracks; past it, the oldest window is dropped. Defaults to `100000`. */
  maxKeys?: number;
}

/** How many of the oldest keys a full store looks at for one to drop. */
const EVICTION_SCAN = 64;

/**
 * Attempt counts in a `Map`: a fixed window starts at a key's first attempt;
 * counts are dropped lazily once their window has passed. When `maxKeys`
 * keys are tracked (random usernames cannot grow it without bound), a new
 * key makes room by dropping, among the oldest few, a passed window first,
 * then one with a single attempt, and only then the oldest: a flood of
 * one-off keys cannot push out the count of a username under attack. Each
 * call does its check and update without an `await`, so calls are atomic
 * with respect to each other.
 */
export class MemoryLockoutStore implements LockoutStore {
  readonly maxKeys: number;
  private readonly counts = new Map<string, AttemptCount>();

  constructor(options: MemoryLockoutStoreOptions = {}) {
    this.maxKeys = positiveIntegerOption(
      'MemoryLockoutStore',
      'maxKeys',
      options.maxKeys,
      100_000,
      'new MemoryLockoutStore({ maxKeys: 100000 })',
    );
  }

  /** The current window of a key, dropping it when it has passed. */
  private current(key: string): AttemptCount | undefined {
    const entry = this.counts.get(key);
    if (entry && entry.resetAt <= Date.now()) {
      this.counts.delete(key);
      return undefined;
    }
    return entry;
  }

  consume(key: string, windowMs: number): AttemptCount {
    const entry = this.current(key);
    if (entry) {
      entry.count += 1;
      return { ...entry };
    }
    if (this.counts.size >= this.maxKeys) this.evict();
    const fresh = { count: 1, resetAt: Date.now() + windowMs };
    this.counts.set(key, fresh);
    return { ...fresh };
  }

  /** Drops one key to make room (see the class comment). */
  private evict(): void {
    const now = Date.now();
    let oldest: string | undefined;
    let single: string | undefined;
    let scanned = 0;
    for (const [key, entry] of this.counts) {
      if (entry.resetAt <= now) {
        this.counts.delete(key);
        return;
      }
      oldest ??= key;
      if (single === undefined && entry.count <= 1) single = key;
      if (++scanned >= EVICTION_SCAN) break;
    }
    const victim = single ?? oldest;
    if (victim !== undefined) this.counts.delete(victim);
  }

  decrement(key: string): void {
    const entry = this.current(key);
    if (entry && entry.count > 0) entry.count -= 1;
  }

  reset(key: string): void {
    this.counts.delete(key);
  }

  /** Forgets every count. */
  close(): void {
    this.counts.clear();
  }
}
