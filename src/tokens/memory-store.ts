// MemoryRefreshTokenStore: token mode's refresh tokens in this process's memory, by digest, with families for reuse detection.
import { positiveIntegerOption } from '../shared/options';
import type { RefreshRecord, RefreshSuccessor, RefreshTokenStore, RefreshUse } from '../types';

/** Options for {@link MemoryRefreshTokenStore}. */
export interface MemoryRefreshTokenStoreOptions {
  /** How many tokens it keeps, spent ones included; past it, the one that expires first goes. Defaults to `100000`. */
  maxTokens?: number;
}

interface Entry {
  readonly record: RefreshRecord;
  spent: boolean;
}

/**
 * Refresh tokens in `Map`s, by digest: each token's record and whether it is
 * spent, each family's tokens, each user's families. Every method does its
 * check and update without an `await`, so calls are atomic: `rotate` spends
 * a token and keeps its successor in one step. Expired tokens
 * are dropped when met; at `maxTokens` the next to expire goes first.
 * Forgotten on restart.
 */
export class MemoryRefreshTokenStore implements RefreshTokenStore {
  readonly maxTokens: number;
  readonly #tokens = new Map<string, Entry>();
  readonly #families = new Map<string, Set<string>>();
  readonly #users = new Map<string, Set<string>>();

  constructor(options: MemoryRefreshTokenStoreOptions = {}) {
    this.maxTokens = positiveIntegerOption(
      'MemoryRefreshTokenStore',
      'maxTokens',
      options.maxTokens,
      100_000,
      'new MemoryRefreshTokenStore({ maxTokens: 100000 })',
    );
  }

  /** The live entry of a digest, dropping it when it has expired. */
  #entry(digest: string): Entry | undefined {
    const entry = this.#tokens.get(digest);
    if (entry && entry.record.expiresAt <= Date.now()) {
      this.#drop(digest);
      return undefined;
    }
    return entry;
  }

  #drop(digest: string): void {
    const entry = this.#tokens.get(digest);
    if (!entry) return;
    this.#tokens.delete(digest);
    const family = this.#families.get(entry.record.family);
    family?.delete(digest);
    if (family?.size === 0) {
      this.#families.delete(entry.record.family);
      this.#users.get(entry.record.username)?.delete(entry.record.family);
    }
  }

  #dropFamily(family: string): void {
    for (const digest of [...(this.#families.get(family) ?? [])]) this.#drop(digest);
  }

  add(digest: string, record: RefreshRecord): void {
    if (this.#tokens.size >= this.maxTokens) this.#makeRoom();
    this.#tokens.set(digest, { record: { ...record }, spent: false });
    let family = this.#families.get(record.family);
    if (!family) this.#families.set(record.family, (family = new Set()));
    family.add(digest);
    let families = this.#users.get(record.username);
    if (!families) this.#users.set(record.username, (families = new Set()));
    families.add(record.family);
  }

  /** Drops the expired tokens, or, with none, the one that expires first. */
  #makeRoom(): void {
    const now = Date.now();
    let first: [string, number] | undefined;
    for (const [digest, entry] of this.#tokens) {
      if (entry.record.expiresAt <= now) this.#drop(digest);
      else if (!first || entry.record.expiresAt < first[1])
        first = [digest, entry.record.expiresAt];
    }
    if (this.#tokens.size >= this.maxTokens && first) this.#drop(first[0]);
  }

  rotate(digest: string, next: RefreshSuccessor): RefreshUse {
    const entry = this.#entry(digest);
    if (!entry) return { status: 'unknown' };
    const record = { ...entry.record };
    if (entry.spent) {
      this.#dropFamily(record.family);
      return { status: 'reused', record };
    }
    entry.spent = true;
    this.add(next.digest, { ...record, expiresAt: next.expiresAt });
    return { status: 'ok', record };
  }

  revoke(digest: string): boolean {
    const there = this.#entry(digest) !== undefined;
    this.#drop(digest);
    return there;
  }

  revokeUser(username: string): void {
    for (const family of [...(this.#users.get(username) ?? [])]) this.#dropFamily(family);
    this.#users.delete(username);
  }

  /** Forgets every token. */
  close(): void {
    this.#tokens.clear();
    this.#families.clear();
    this.#users.clear();
  }
}
