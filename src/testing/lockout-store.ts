// The LockoutStore contract as jest tests: run any store through it with lockoutStoreContract(name, makeStore).
import assert from 'node:assert/strict';
import type { LockoutStore } from '../types';
import { testApi, waitUntil, type ContractOptions } from './api';

/** Options for {@link lockoutStoreContract}. */
export type LockoutContractOptions = ContractOptions;

/**
 * Registers jest tests that any `LockoutStore` must pass: counting in a
 * window that starts at the first attempt, distinct counts for concurrent
 * attempts (consume is atomic), giving one back, forgetting, and keys kept
 * apart. `makeStore` is called before each test for a fresh, empty store;
 * `close()` after it when the store has one.
 */
export function lockoutStoreContract(
  name: string,
  makeStore: () => LockoutStore | Promise<LockoutStore>,
  options: LockoutContractOptions = {},
): void {
  const { describe, it, beforeEach, afterEach } = testApi(options.api);
  const passTime = options.passTime ?? waitUntil;

  describe(`${name} (LockoutStore contract)`, () => {
    let store: LockoutStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close?.();
    });

    it('has every required method', () => {
      for (const method of ['consume', 'decrement', 'reset'] as const) {
        assert.equal(typeof store[method], 'function');
      }
    });

    it('counts attempts in a window that starts at the first one', async () => {
      const before = Date.now();
      const first = await store.consume('k', 60_000);
      assert.equal(first.count, 1);
      assert.ok(
        first.resetAt >= before + 60_000 - 1000,
        `${first.resetAt} >= ${before + 60_000 - 1000}`,
      );
      assert.ok(
        first.resetAt <= Date.now() + 60_000 + 1000,
        `${first.resetAt} <= ${Date.now() + 60_000 + 1000}`,
      );
      const second = await store.consume('k', 60_000);
      assert.deepEqual(second, { count: 2, resetAt: first.resetAt });
      assert.equal((await store.consume('k', 60_000)).count, 3);
    });

    it('starts again once the window has passed', async () => {
      const first = await store.consume('w', 50);
      await store.consume('w', 50);
      await passTime(first.resetAt);
      const next = await store.consume('w', 50);
      assert.equal(next.count, 1);
      assert.ok(next.resetAt > first.resetAt, `${next.resetAt} > ${first.resetAt}`);
    });

    it('gives every one of many concurrent attempts its own count', async () => {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => store.consume('race', 60_000)),
      );
      const counts = results.map((r) => r.count).sort((a, b) => a - b);
      assert.deepEqual(
        counts,
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      assert.equal(new Set(results.map((r) => r.resetAt)).size, 1);
    });

    it('gives one attempt back, never below zero, and leaves unknown keys alone', async () => {
      await store.consume('d', 60_000);
      await store.consume('d', 60_000);
      await store.decrement('d');
      assert.equal((await store.consume('d', 60_000)).count, 2);
      await store.decrement('d');
      await store.decrement('d');
      await store.decrement('d');
      assert.equal((await store.consume('d', 60_000)).count, 1);
      await store.decrement('unknown');
      assert.equal((await store.consume('unknown', 60_000)).count, 1);
    });

    it('forgets a reset key', async () => {
      await store.consume('r', 60_000);
      await store.consume('r', 60_000);
      await store.reset('r');
      await store.reset('never-seen');
      assert.equal((await store.consume('r', 60_000)).count, 1);
    });

    it('keeps keys apart', async () => {
      await store.consume('user:a', 60_000);
      await store.consume('user:a', 60_000);
      assert.equal((await store.consume('addr:a', 60_000)).count, 1);
      assert.equal((await store.consume('user:b', 60_000)).count, 1);
      assert.equal((await store.consume('user:a', 60_000)).count, 3);
    });

    it('takes keys with any characters', async () => {
      const keys = ['user:ünïcödé', 'addr:::1', 'user:a b', 'user:*', 'user:{x}'];
      for (const key of keys) assert.equal((await store.consume(key, 60_000)).count, 1);
      for (const key of keys) assert.equal((await store.consume(key, 60_000)).count, 2);
    });
  });
}
