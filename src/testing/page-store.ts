// The PageStore contract as jest tests: run any store through it with pageStoreContract(name, makeStore).
import assert from 'node:assert/strict';
import type { CachedPage, PageLimits, PageStore } from '../cache';
import { testApi, type ContractOptions } from './api';

/** Deterministic pseudo-random numbers (mulberry32), so a failing run can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A page of `length` bytes that are not valid UTF-8 (0xff…), distinct per `seed`. */
export function binaryPage(
  length: number,
  seed = 0,
  type = 'application/octet-stream',
): CachedPage {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = (0xff - ((i + seed) % 7)) & 0xff;
  return { data, type };
}

const LIMITS: PageLimits = { maxSize: 1000, maxNames: 1000 };

function page(text: string, type = 'text/plain'): CachedPage {
  return { data: Buffer.from(text, 'latin1'), type };
}

/**
 * Registers jest tests that any `PageStore` must pass: save-if-absent, the
 * never-cached / cleared distinction, names that stay taken, exact size
 * accounting, copies, `maxSize`/`maxNames`, and atomicity under concurrent
 * calls. `makeStore` is called before each test for a fresh, empty store;
 * `close()` is called after it when the store has one.
 */
export function pageStoreContract(
  name: string,
  makeStore: () => PageStore | Promise<PageStore>,
  options: ContractOptions = {},
): void {
  const { describe, it, beforeEach, afterEach } = testApi(options.api);
  describe(`${name} (PageStore contract)`, () => {
    let store: PageStore;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close?.();
    });

    /** Checks the bytes held, when the store tells them (`size` is optional). */
    const expectSize = async (expected: number): Promise<void> => {
      if (store.size) assert.equal(await store.size(), expected);
    };

    it('has every required method', () => {
      for (const method of ['save', 'get', 'clear', 'clearAll'] as const) {
        assert.equal(typeof store[method], 'function');
      }
    });

    it('starts empty', async () => {
      await expectSize(0);
      assert.equal(await store.get('anything'), undefined);
    });

    describe('when a page is saved', () => {
      it('gives it back byte for byte, with its type', async () => {
        const saved = binaryPage(300, 1, 'image/png');
        assert.equal(await store.save('p', saved, LIMITS), 'saved');
        const got = await store.get('p');
        assert.deepEqual(got, { data: saved.data, type: 'image/png' });
        await expectSize(300);
      });

      it('saves an empty page', async () => {
        assert.equal(await store.save('empty', page(''), LIMITS), 'saved');
        assert.deepEqual(await store.get('empty'), { data: Buffer.alloc(0), type: 'text/plain' });
        await expectSize(0);
      });

      it('refuses the same name again and keeps the first page', async () => {
        await store.save('p', page('foo'), LIMITS);
        assert.equal(await store.save('p', page('bar'), LIMITS), 'exists');
        assert.deepEqual(await store.get('p'), page('foo'));
        await expectSize(3);
      });

      it('treats names as exact strings (case, spaces, unicode)', async () => {
        await store.save('Page', page('1'), LIMITS);
        assert.equal(await store.save('page', page('2'), LIMITS), 'saved');
        assert.equal(await store.save('p a/g?e\u00e9\u{1f600}', page('3'), LIMITS), 'saved');
        assert.deepEqual(await store.get('Page'), page('1'));
        assert.deepEqual(await store.get('page'), page('2'));
        assert.deepEqual(await store.get('p a/g?e\u00e9\u{1f600}'), page('3'));
      });

      it('keeps a copy: changing the saved Buffer later changes nothing', async () => {
        const data = Buffer.from('original');
        await store.save('p', { data, type: 'text/plain' }, LIMITS);
        data.write('MUTATED!');
        assert.deepEqual((await store.get('p')) as CachedPage, page('original'));
      });

      it('hands out copies: changing a Buffer it returned changes nothing', async () => {
        await store.save('p', page('original'), LIMITS);
        const first = (await store.get('p')) as CachedPage;
        first.data.write('MUTATED!');
        assert.deepEqual(await store.get('p'), page('original'));
      });
    });

    describe('when a page is cleared', () => {
      it('frees its bytes, reports it cleared, and keeps the name taken', async () => {
        await store.save('a', page('aaaa'), LIMITS);
        await store.save('b', page('bb'), LIMITS);
        await store.clear('a');
        assert.equal(await store.get('a'), 'cleared');
        assert.deepEqual(await store.get('b'), page('bb'));
        await expectSize(2);
        assert.equal(await store.save('a', page('new'), LIMITS), 'exists');
        assert.equal(await store.get('a'), 'cleared');
        await expectSize(2);
      });

      it('frees its bytes only once when cleared twice', async () => {
        await store.save('a', page('aaaa'), LIMITS);
        await store.save('b', page('bb'), LIMITS);
        await store.clear('a');
        await store.clear('a');
        await expectSize(2);
      });

      it('leaves a name never saved alone (it stays free)', async () => {
        await store.clear('ghost');
        assert.equal(await store.get('ghost'), undefined);
        assert.equal(await store.save('ghost', page('boo'), LIMITS), 'saved');
      });
    });

    describe('when all pages are cleared', () => {
      it('frees every page and keeps every name taken', async () => {
        await store.save('a', page('aaaa'), LIMITS);
        await store.save('b', page('bb'), LIMITS);
        await store.clear('b');
        await store.clearAll();
        await expectSize(0);
        assert.equal(await store.get('a'), 'cleared');
        assert.equal(await store.get('b'), 'cleared');
        assert.equal(await store.save('a', page('x'), LIMITS), 'exists');
        assert.equal(await store.save('c', page('ccc'), LIMITS), 'saved');
        await expectSize(3);
      });
    });

    describe('maxSize', () => {
      const limits: PageLimits = { maxSize: 10, maxNames: 100 };

      it('takes a page that fills the store exactly', async () => {
        assert.equal(await store.save('a', page('123456'), limits), 'saved');
        assert.equal(await store.save('b', page('7890'), limits), 'saved');
        await expectSize(10);
      });

      it('refuses a page that does not fit, without taking its name', async () => {
        await store.save('a', page('123456'), limits);
        assert.equal(await store.save('b', page('78901'), limits), 'full');
        assert.equal(await store.get('b'), undefined);
        await expectSize(6);
        assert.equal(await store.save('b', page('7890'), limits), 'saved');
      });

      it('refuses a page larger than maxSize on its own', async () => {
        assert.equal(await store.save('big', binaryPage(11), limits), 'full');
        await expectSize(0);
      });

      it('makes room again once pages are cleared', async () => {
        await store.save('a', page('1234567890'), limits);
        assert.equal(await store.save('b', page('1'), limits), 'full');
        await store.clear('a');
        assert.equal(await store.save('b', page('1234567890'), limits), 'saved');
      });

      it('reports a taken name as "exists" even when the page would not fit', async () => {
        await store.save('a', page('1234567890'), limits);
        assert.equal(await store.save('a', page('1'), limits), 'exists');
      });
    });

    describe('maxNames', () => {
      const limits: PageLimits = { maxSize: 1000, maxNames: 3 };

      it('counts live and cleared names, and clearing does not free names', async () => {
        await store.save('a', page('a'), limits);
        await store.save('b', page('b'), limits);
        await store.clear('a');
        await store.save('c', page('c'), limits);
        assert.equal(await store.save('d', page('d'), limits), 'too-many-names');
        await store.clearAll();
        assert.equal(await store.save('d', page('d'), limits), 'too-many-names');
        assert.equal(await store.get('d'), undefined);
        await expectSize(0);
      });

      it('still answers "exists" for a taken name at the limit', async () => {
        for (const n of ['a', 'b', 'c']) await store.save(n, page(n), limits);
        assert.equal(await store.save('a', page('x'), limits), 'exists');
      });
    });

    describe('when calls run concurrently', () => {
      it('saves a name at most once', async () => {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => store.save('same', page(`v${i}`), LIMITS)),
        );
        assert.equal(results.filter((r) => r === 'saved').length, 1);
        assert.equal(results.filter((r) => r === 'exists').length, 49);
        const winner = results.indexOf('saved');
        assert.deepEqual(await store.get('same'), page(`v${winner}`));
        await expectSize(`v${winner}`.length);
      });

      it('keeps the accounting exact: never over maxSize, never negative, no page lost', async () => {
        const random = seededRandom(42);
        const limits: PageLimits = { maxSize: 2000, maxNames: 10_000 };
        const names = Array.from({ length: 200 }, (_, i) => `page-${i}`);
        const sizes = names.map(() => Math.floor(random() * 120));
        const clearedNames = new Set<string>();
        const observed: number[] = [];
        const ops: Promise<unknown>[] = [];
        const saves = new Map<string, Promise<string>>();
        names.forEach((n, i) => {
          saves.set(n, Promise.resolve(store.save(n, binaryPage(sizes[i]!, i), limits)));
          ops.push(saves.get(n)!);
          if (random() < 0.3) {
            const target = names[Math.floor(random() * (i + 1))]!;
            clearedNames.add(target);
            ops.push(Promise.resolve(store.clear(target)));
          }
          if (i % 10 === 0 && store.size) {
            ops.push(Promise.resolve(store.size()).then((s) => observed.push(s)));
          }
        });
        await Promise.all(ops);

        for (const s of observed) {
          assert.ok(s >= 0, `${s} >= ${0}`);
          assert.ok(s <= limits.maxSize, `${s} <= ${limits.maxSize}`);
        }
        let live = 0;
        for (const [i, n] of names.entries()) {
          const result = await saves.get(n)!;
          const got = await store.get(n);
          if (result === 'saved') {
            if (got === 'cleared') assert.equal(clearedNames.has(n), true);
            else assert.deepEqual(got, binaryPage(sizes[i]!, i));
          } else {
            assert.equal(result, 'full');
            assert.equal(got, undefined);
          }
          if (got !== undefined && got !== 'cleared') live += got.data.length;
        }
        await expectSize(live);
        assert.ok(live <= limits.maxSize, `${live} <= ${limits.maxSize}`);
      });

      it('ends at size 0 after clearing everything, whatever the interleaving', async () => {
        const limits: PageLimits = { maxSize: 500, maxNames: 10_000 };
        const ops: Promise<unknown>[] = [];
        for (let i = 0; i < 100; i++) {
          ops.push(Promise.resolve(store.save(`n${i}`, binaryPage(i % 40, i), limits)));
          ops.push(Promise.resolve(store.clear(`n${(i * 7) % 100}`)));
          if (i % 25 === 0) ops.push(Promise.resolve(store.clearAll()));
        }
        await Promise.all(ops);
        await store.clearAll();
        await expectSize(0);
      });
    });

    describe('waitFor (when the store has it)', () => {
      const page = { data: Buffer.from('late'), type: 'text/plain' };
      const limits = { maxSize: 1000, maxNames: 100 };

      it('resolves true as soon as the name is saved, and at once for a name saved already', async () => {
        if (!store.waitFor) return;
        const waiting = store.waitFor('later', 10_000, new AbortController().signal);
        assert.equal(await store.save('later', page, limits), 'saved');
        assert.equal(await waiting, true);
        assert.equal(await store.waitFor('later', 10_000, new AbortController().signal), true);
        await store.clear('later');
        assert.equal(await store.waitFor('later', 10_000, new AbortController().signal), true);
      });

      it('resolves false when its time is up or its signal aborts, and wakes only waiters of the name', async () => {
        if (!store.waitFor) return;
        assert.equal(await store.waitFor('never', 20, new AbortController().signal), false);
        const gone = new AbortController();
        const other = store.waitFor('other', 10_000, gone.signal);
        assert.equal(await store.save('unrelated', page, limits), 'saved');
        gone.abort();
        assert.equal(await other, false);
        const aborted = new AbortController();
        aborted.abort();
        assert.equal(await store.waitFor('x', 10_000, aborted.signal), false);
      });
    });
  });
}
