// A contract suite any SessionStore can be run through: register it from a test file.
import assert from 'node:assert/strict';
import type { SessionData, SessionStore } from '../types';
import { testApi, waitUntil, type ContractOptions } from './api';

const id = (n: number) => n.toString(16).padStart(64, '0');

/** Options for {@link sessionStoreContract}. */
export interface SessionContractOptions extends ContractOptions {
  /**
   * A fresh, empty store that keeps at most `maxSessions`: given, the suite
   * checks that the store bounds itself, least recently used first, under
   * concurrent calls too.
   */
  bounded?: (maxSessions: number) => SessionStore | Promise<SessionStore>;
}

/**
 * Registers tests checking that `makeStore()` behaves as auth() needs a
 * SessionStore to: copies, expiry at `expiresAt`, `deleteUser` (when the
 * store has it) through its per-user index, and with `bounded` the cap with
 * least-recently-used eviction.
 */
export function sessionStoreContract(
  name: string,
  makeStore: () => SessionStore | Promise<SessionStore>,
  options: SessionContractOptions = {},
): void {
  const { describe, it, beforeEach, afterEach } = testApi(options.api);
  describe(`${name} (SessionStore contract)`, () => {
    let store: SessionStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close?.();
    });

    const fresh = (ttl = 60_000): SessionData => ({
      createdAt: Date.now(),
      expiresAt: Date.now() + ttl,
    });

    it('gives back what was set', async () => {
      const data = { ...fresh(), user: { username: 'ann', roles: ['admin'] } };
      await store.set(id(1), data);
      assert.deepEqual(await store.get(id(1)), data);
    });

    it('gives undefined for an unknown id', async () => {
      assert.equal(await store.get(id(2)), undefined);
    });

    it('forgets a deleted session, and deleting an unknown id is fine', async () => {
      await store.set(id(3), fresh());
      await store.delete(id(3));
      await store.delete(id(4));
      assert.equal(await store.get(id(3)), undefined);
    });

    it('never gives back an expired session', async () => {
      await store.set(id(5), { createdAt: Date.now() - 2000, expiresAt: Date.now() - 1000 });
      assert.equal(await store.get(id(5)), undefined);
    });

    it('keeps its own copy', async () => {
      const data = { ...fresh(), user: { username: 'bob', roles: ['a'] } };
      await store.set(id(6), data);
      data.user.roles.push('admin');
      const got = await store.get(id(6));
      assert.deepEqual(got?.user?.roles, ['a']);
      got!.user!.roles.push('root');
      assert.deepEqual((await store.get(id(6)))?.user?.roles, ['a']);
    });

    it('keeps sessions apart', async () => {
      await store.set(id(7), { ...fresh(), user: { username: 'x', roles: [] } });
      await store.set(id(8), { ...fresh(), user: { username: 'y', roles: [] } });
      assert.equal((await store.get(id(7)))?.user?.username, 'x');
      assert.equal((await store.get(id(8)))?.user?.username, 'y');
    });

    it('lets a session expire at its expiresAt', async () => {
      const data = fresh(50);
      await store.set(id(9), data);
      assert.notEqual(await store.get(id(9)), undefined);
      await (options.passTime ?? waitUntil)(data.expiresAt);
      assert.equal(await store.get(id(9)), undefined);
    });

    it('forgets every session of a user, and only those, with deleteUser', async () => {
      if (!store.deleteUser) return;
      const user = (username: string) => ({ ...fresh(), user: { username, roles: [] } });
      await store.set(id(10), user('ann'));
      await store.set(id(11), user('ann'));
      await store.set(id(12), user('bob'));
      await store.set(id(13), fresh());
      await store.delete(id(11));
      await store.set(id(14), user('ann'));
      await store.deleteUser('ann');
      for (const n of [10, 11, 14]) assert.equal(await store.get(id(n)), undefined);
      assert.equal((await store.get(id(12)))?.user?.username, 'bob');
      assert.notEqual(await store.get(id(13)), undefined);
      await store.deleteUser('nobody');
      // A session set again after deleteUser is there.
      await store.set(id(10), user('ann'));
      assert.equal((await store.get(id(10)))?.user?.username, 'ann');
    });
  });

  if (options.bounded) {
    const bounded = options.bounded;
    describe(`${name} (SessionStore contract, bounded)`, () => {
      let store: SessionStore;
      afterEach(async () => {
        await store.close?.();
      });
      const data = (username?: string): SessionData => ({
        createdAt: Date.now(),
        expiresAt: Date.now() + 60_000,
        ...(username ? { user: { username, roles: [] } } : {}),
      });

      it('keeps at most its cap, forgetting the least recently used first', async () => {
        store = await bounded(3);
        for (const n of [1, 2, 3]) await store.set(id(n), data());
        // Reading 1 makes 2 the least recently used.
        assert.notEqual(await store.get(id(1)), undefined);
        await store.set(id(4), data());
        assert.equal(await store.get(id(2)), undefined);
        for (const n of [1, 3, 4]) assert.notEqual(await store.get(id(n)), undefined);
      });

      it('drops an evicted session from its user, so deleteUser still finds the rest', async () => {
        store = await bounded(2);
        await store.set(id(1), data('ann'));
        await store.set(id(2), data('ann'));
        await store.set(id(3), data('bob'));
        assert.equal(await store.get(id(1)), undefined);
        await store.deleteUser?.('ann');
        assert.equal(await store.get(id(2)), undefined);
        assert.equal((await store.get(id(3)))?.user?.username, 'bob');
      });

      it('never holds more than its cap under many concurrent logins', async () => {
        store = await bounded(10);
        await Promise.all(Array.from({ length: 60 }, (_, n) => store.set(id(100 + n), data('c'))));
        const found = await Promise.all(
          Array.from({ length: 60 }, (_, n) => store.get(id(100 + n))),
        );
        assert.equal(found.filter((s) => s !== undefined).length, 10);
      });
    });
  }
}
