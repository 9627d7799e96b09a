// A contract suite any SessionStore can be run through: register it from a test file.
import assert from 'node:assert/strict';
import type { SessionData, SessionStore } from '../types';
import { testApi, type ContractOptions } from './api';

const id = (n: number) => n.toString(16).padStart(64, '0');

/** Registers jest tests checking that `makeStore()` behaves as auth() needs a SessionStore to. */
export function sessionStoreContract(
  name: string,
  makeStore: () => SessionStore | Promise<SessionStore>,
  options: ContractOptions = {},
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
  });
}
