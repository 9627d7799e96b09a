// The UserStore contract as jest tests: run any store through it with userStoreContract(name, makeStore).
import assert from 'node:assert/strict';
import type { UserRecord, UserStore } from '../types';
import { testApi, type ContractOptions } from './api';

const hash = (n: number) =>
  `$scrypt$ln=10,r=8,p=1$${'A'.repeat(22)}$${String(n).padStart(43, 'B')}`;

function user(username: string, n = 1, roles: string[] = []): UserRecord {
  return { username, passwordHash: hash(n), roles };
}

/**
 * Registers jest tests that any `UserStore` must pass: create-if-absent
 * (atomic under concurrent calls), exact names, updates of the hash and the
 * roles, and copies. `makeStore` is called before each test for a fresh,
 * empty store; `close()` after it when the store has one.
 */
export function userStoreContract(
  name: string,
  makeStore: () => UserStore | Promise<UserStore>,
  options: ContractOptions = {},
): void {
  const { describe, it, beforeEach, afterEach } = testApi(options.api);
  describe(`${name} (UserStore contract)`, () => {
    let store: UserStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close?.();
    });

    it('has every required method', () => {
      for (const method of ['get', 'create', 'update'] as const) {
        assert.equal(typeof store[method], 'function');
      }
    });

    it('gives back a created user, and undefined for an unknown one', async () => {
      assert.equal(await store.create(user('ann', 1, ['admin'])), true);
      assert.deepEqual(await store.get('ann'), user('ann', 1, ['admin']));
      assert.equal(await store.get('bob'), undefined);
    });

    it('compares names exactly', async () => {
      await store.create(user('ann'));
      assert.equal(await store.get('Ann'), undefined);
      assert.equal(await store.get('ann '), undefined);
      assert.equal(await store.create(user('Ann', 2)), true);
      assert.equal((await store.get('Ann'))?.passwordHash, hash(2));
    });

    it('never overwrites a user: a second create of a name is refused', async () => {
      assert.equal(await store.create(user('cy', 1)), true);
      assert.equal(await store.create(user('cy', 2)), false);
      assert.equal((await store.get('cy'))?.passwordHash, hash(1));
    });

    it('lets exactly one of many concurrent creates of a name win', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.create(user('race', i))),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.equal((await store.get('race'))?.passwordHash, hash(winner));
    });

    it('updates the hash and the roles, each alone', async () => {
      await store.create(user('dee', 1, ['a']));
      assert.equal(await store.update('dee', { passwordHash: hash(2) }), true);
      assert.deepEqual(await store.get('dee'), user('dee', 2, ['a']));
      assert.equal(await store.update('dee', { roles: ['b', 'c'] }), true);
      assert.deepEqual(await store.get('dee'), user('dee', 2, ['b', 'c']));
    });

    it('updates only while the hash is the expected one (compare-and-set)', async () => {
      await store.create(user('fay', 1, ['a']));
      assert.equal(
        await store.update('fay', { passwordHash: hash(2) }, { passwordHash: hash(9) }),
        false,
      );
      assert.equal((await store.get('fay'))?.passwordHash, hash(1));
      assert.equal(
        await store.update('fay', { passwordHash: hash(2) }, { passwordHash: hash(1) }),
        true,
      );
      assert.equal((await store.get('fay'))?.passwordHash, hash(2));
      assert.equal(await store.update('ghost', { roles: [] }, { passwordHash: hash(2) }), false);
    });

    it('lets one of many concurrent compare-and-set updates from one hash win', async () => {
      await store.create(user('gus', 1));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.update('gus', { passwordHash: hash(100 + i) }, { passwordHash: hash(1) }),
        ),
      );
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await store.get('gus'))?.passwordHash, hash(100 + results.indexOf(true)));
    });

    it('answers false for an update of an unknown user, and creates nothing', async () => {
      assert.equal(await store.update('ghost', { roles: ['x'] }), false);
      assert.equal(await store.get('ghost'), undefined);
    });

    it('keeps its own copies', async () => {
      const given = user('eve', 1, ['a']);
      await store.create(given);
      given.roles.push('admin');
      const got = (await store.get('eve'))!;
      assert.deepEqual(got.roles, ['a']);
      got.roles.push('root');
      assert.deepEqual((await store.get('eve'))?.roles, ['a']);
    });
  });
}
