// The UserStore contract as jest tests: run any store through it with userStoreContract(name, makeStore).
import type { UserRecord, UserStore } from 'mixnmatch';

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
): void {
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
        expect(typeof store[method]).toBe('function');
      }
    });

    it('gives back a created user, and undefined for an unknown one', async () => {
      expect(await store.create(user('ann', 1, ['admin']))).toBe(true);
      expect(await store.get('ann')).toEqual(user('ann', 1, ['admin']));
      expect(await store.get('bob')).toBeUndefined();
    });

    it('compares names exactly', async () => {
      await store.create(user('ann'));
      expect(await store.get('Ann')).toBeUndefined();
      expect(await store.get('ann ')).toBeUndefined();
      expect(await store.create(user('Ann', 2))).toBe(true);
      expect((await store.get('Ann'))?.passwordHash).toBe(hash(2));
    });

    it('never overwrites a user: a second create of a name is refused', async () => {
      expect(await store.create(user('cy', 1))).toBe(true);
      expect(await store.create(user('cy', 2))).toBe(false);
      expect((await store.get('cy'))?.passwordHash).toBe(hash(1));
    });

    it('lets exactly one of many concurrent creates of a name win', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.create(user('race', i))),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await store.get('race'))?.passwordHash).toBe(hash(winner));
    });

    it('updates the hash and the roles, each alone', async () => {
      await store.create(user('dee', 1, ['a']));
      expect(await store.update('dee', { passwordHash: hash(2) })).toBe(true);
      expect(await store.get('dee')).toEqual(user('dee', 2, ['a']));
      expect(await store.update('dee', { roles: ['b', 'c'] })).toBe(true);
      expect(await store.get('dee')).toEqual(user('dee', 2, ['b', 'c']));
    });

    it('answers false for an update of an unknown user, and creates nothing', async () => {
      expect(await store.update('ghost', { roles: ['x'] })).toBe(false);
      expect(await store.get('ghost')).toBeUndefined();
    });

    it('keeps its own copies', async () => {
      const given = user('eve', 1, ['a']);
      await store.create(given);
      given.roles.push('admin');
      const got = (await store.get('eve'))!;
      expect(got.roles).toEqual(['a']);
      got.roles.push('root');
      expect((await store.get('eve'))?.roles).toEqual(['a']);
    });
  });
}
