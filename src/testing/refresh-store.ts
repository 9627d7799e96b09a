// A contract suite any RefreshTokenStore can be run through: register it from a test file.
import assert from 'node:assert/strict';
import type { RefreshRecord, RefreshTokenStore } from '../types';
import { testApi, type ContractOptions } from './api';

function waitUntil(deadline: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()) + 5));
}

const digest = (n: number) => `digest-${n}`.padEnd(43, 'x');

/**
 * Registers tests checking that `makeStore()` behaves as token mode needs a
 * RefreshTokenStore to: one use per token (atomic under concurrent uses), a
 * reuse revoking the whole family, revoking one token or a user's, expiry.
 */
export function refreshTokenStoreContract(
  name: string,
  makeStore: () => RefreshTokenStore | Promise<RefreshTokenStore>,
  options: ContractOptions = {},
): void {
  const { describe, it, beforeEach, afterEach } = testApi(options.api);
  describe(`${name} (RefreshTokenStore contract)`, () => {
    let store: RefreshTokenStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close?.();
    });
    const record = (username: string, family: string, ttl = 60_000): RefreshRecord => ({
      username,
      family,
      expiresAt: Date.now() + ttl,
    });

    it('has every required method', () => {
      for (const method of ['add', 'use', 'revoke', 'revokeUser'] as const) {
        assert.equal(typeof store[method], 'function');
      }
    });

    it('spends a token on its first use and recognises a reuse', async () => {
      const given = record('ann', 'f1');
      await store.add(digest(1), given);
      assert.deepEqual(await store.use(digest(1)), { status: 'ok', record: given });
      assert.deepEqual(await store.use(digest(1)), { status: 'reused', record: given });
      assert.deepEqual(await store.use(digest(99)), { status: 'unknown' });
    });

    it('revokes the whole family when a spent token is used again', async () => {
      await store.add(digest(1), record('ann', 'f1'));
      await store.use(digest(1));
      await store.add(digest(2), record('ann', 'f1'));
      await store.add(digest(3), record('ann', 'f2'));
      assert.equal((await store.use(digest(1))).status, 'reused');
      assert.equal((await store.use(digest(2))).status, 'unknown');
      assert.equal((await store.use(digest(3))).status, 'ok');
    });

    it('lets exactly one of many concurrent uses of a token through', async () => {
      await store.add(digest(4), record('bob', 'f4'));
      const uses = await Promise.all(Array.from({ length: 20 }, () => store.use(digest(4))));
      assert.equal(uses.filter((u) => u.status === 'ok').length, 1);
    });

    it('revokes one token, and says whether it was there', async () => {
      await store.add(digest(5), record('cy', 'f5'));
      await store.add(digest(6), record('cy', 'f5'));
      assert.equal(await store.revoke(digest(5)), true);
      assert.equal(await store.revoke(digest(5)), false);
      assert.equal((await store.use(digest(5))).status, 'unknown');
      assert.equal((await store.use(digest(6))).status, 'ok');
    });

    it("revokes every token of a user, and only that user's", async () => {
      await store.add(digest(7), record('dee', 'f7'));
      await store.add(digest(8), record('dee', 'f8'));
      await store.add(digest(9), record('eve', 'f9'));
      await store.revokeUser('dee');
      await store.revokeUser('nobody');
      assert.equal((await store.use(digest(7))).status, 'unknown');
      assert.equal((await store.use(digest(8))).status, 'unknown');
      assert.equal((await store.use(digest(9))).status, 'ok');
      await store.add(digest(10), record('dee', 'f10'));
      assert.equal((await store.use(digest(10))).status, 'ok');
    });

    it('forgets a token once it expires', async () => {
      const short = record('fay', 'f11', 50);
      await store.add(digest(11), short);
      await waitUntil(short.expiresAt);
      assert.equal((await store.use(digest(11))).status, 'unknown');
    });
  });
}
