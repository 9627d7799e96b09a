// A contract suite any RefreshTokenStore can be run through: register it from a test file.
import assert from 'node:assert/strict';
import type { RefreshRecord, RefreshTokenStore } from '../types';
import { testApi, waitUntil, type ContractOptions } from './api';

const digest = (n: number) => `digest-${n}`.padEnd(43, 'x');

/**
 * Registers tests checking that `makeStore()` behaves as token mode needs a
 * RefreshTokenStore to: one rotation per token, its successor kept in the
 * same atomic call (so 20 concurrent rotations leave one winner, and the
 * reuse revokes the winner's token too), a reuse revoking the whole family,
 * revoking one token or a user's, expiry.
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

    /** Rotates `from` into `to`, or just spends `from` (a successor no test asks about). */
    const rotate = (from: number, to = 1000 + from, ttl = 60_000) =>
      store.rotate(digest(from), { digest: digest(to), expiresAt: Date.now() + ttl });

    it('has every required method', () => {
      for (const method of ['add', 'rotate', 'revoke', 'revokeUser'] as const) {
        assert.equal(typeof store[method], 'function');
      }
    });

    it('spends a token on its first use and recognises a reuse', async () => {
      const given = record('ann', 'f1');
      await store.add(digest(1), given);
      assert.deepEqual(await rotate(1), { status: 'ok', record: given });
      assert.deepEqual(await rotate(1), { status: 'reused', record: given });
      assert.deepEqual(await rotate(99), { status: 'unknown' });
    });

    it('keeps the successor in the family: it rotates in turn, as the same user', async () => {
      await store.add(digest(12), record('ann', 'f12'));
      assert.equal((await rotate(12, 13)).status, 'ok');
      const next = await rotate(13, 14);
      assert.equal(next.status, 'ok');
      assert.equal(next.status === 'ok' && next.record.username, 'ann');
      assert.equal(next.status === 'ok' && next.record.family, 'f12');
    });

    it('revokes the whole family, successors included, when a spent token is used again', async () => {
      await store.add(digest(1), record('ann', 'f1'));
      await rotate(1, 2);
      await store.add(digest(3), record('ann', 'f2'));
      assert.equal((await rotate(1)).status, 'reused');
      assert.equal((await rotate(2)).status, 'unknown');
      assert.equal((await rotate(3)).status, 'ok');
    });

    it('lets exactly one of 20 concurrent rotations of a token through, and afterwards no token of its family works', async () => {
      await store.add(digest(4), record('bob', 'f4'));
      const uses = await Promise.all(Array.from({ length: 20 }, (_, i) => rotate(4, 400 + i)));
      const winners = uses.flatMap((use, i) => (use.status === 'ok' ? [400 + i] : []));
      assert.equal(winners.length, 1);
      assert.ok(uses.some((use) => use.status === 'reused'));
      assert.notEqual((await rotate(winners[0]!, 500)).status, 'ok');
      assert.notEqual((await rotate(4, 501)).status, 'ok');
      for (let i = 0; i < 20; i++) assert.notEqual((await rotate(400 + i, 600 + i)).status, 'ok');
    });

    it('revokes one token, and says whether it was there', async () => {
      await store.add(digest(5), record('cy', 'f5'));
      await store.add(digest(6), record('cy', 'f5'));
      assert.equal(await store.revoke(digest(5)), true);
      assert.equal(await store.revoke(digest(5)), false);
      assert.equal((await rotate(5)).status, 'unknown');
      assert.equal((await rotate(6)).status, 'ok');
    });

    it("revokes every token of a user, and only that user's", async () => {
      await store.add(digest(7), record('dee', 'f7'));
      await store.add(digest(8), record('dee', 'f8'));
      await store.add(digest(9), record('eve', 'f9'));
      await store.revokeUser('dee');
      await store.revokeUser('nobody');
      assert.equal((await rotate(7)).status, 'unknown');
      assert.equal((await rotate(8)).status, 'unknown');
      assert.equal((await rotate(9)).status, 'ok');
      await store.add(digest(10), record('dee', 'f10'));
      assert.equal((await rotate(10)).status, 'ok');
    });

    it('forgets a token once it expires', async () => {
      const short = record('fay', 'f11', 50);
      await store.add(digest(11), short);
      await (options.passTime ?? waitUntil)(short.expiresAt);
      assert.equal((await rotate(11)).status, 'unknown');
    });
  });
}
