// The PageStore contract as jest tests: run any store through it with pageStoreContract(name, makeStore).
import type { CachedPage, PageLimits, PageStore } from 'mixnmatch';

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
): void {
  describe(`${name} (PageStore contract)`, () => {
    let store: PageStore;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close?.();
    });

    it('has every required method', () => {
      for (const method of ['save', 'get', 'clear', 'clearAll', 'size'] as const) {
        expect(typeof store[method]).toBe('function');
      }
    });

    it('starts empty', async () => {
      expect(await store.size()).toBe(0);
      expect(await store.get('anything')).toBeUndefined();
    });

    describe('when a page is saved', () => {
      it('gives it back byte for byte, with its type', async () => {
        const saved = binaryPage(300, 1, 'image/png');
        expect(await store.save('p', saved, LIMITS)).toBe('saved');
        const got = await store.get('p');
        expect(got).toEqual({ data: saved.data, type: 'image/png' });
        expect(await store.size()).toBe(300);
      });

      it('saves an empty page', async () => {
        expect(await store.save('empty', page(''), LIMITS)).toBe('saved');
        expect(await store.get('empty')).toEqual({ data: Buffer.alloc(0), type: 'text/plain' });
        expect(await store.size()).toBe(0);
      });

      it('refuses the same name again and keeps the first page', async () => {
        await store.save('p', page('foo'), LIMITS);
        expect(await store.save('p', page('bar'), LIMITS)).toBe('exists');
        expect(await store.get('p')).toEqual(page('foo'));
        expect(await store.size()).toBe(3);
      });

      it('treats names as exact strings (case, spaces, unicode)', async () => {
        await store.save('Page', page('1'), LIMITS);
        expect(await store.save('page', page('2'), LIMITS)).toBe('saved');
        expect(await store.save('p a/g?e\u00e9\u{1f600}', page('3'), LIMITS)).toBe('saved');
        expect(await store.get('Page')).toEqual(page('1'));
        expect(await store.get('page')).toEqual(page('2'));
        expect(await store.get('p a/g?e\u00e9\u{1f600}')).toEqual(page('3'));
      });

      it('keeps a copy: changing the saved Buffer later changes nothing', async () => {
        const data = Buffer.from('original');
        await store.save('p', { data, type: 'text/plain' }, LIMITS);
        data.write('MUTATED!');
        expect((await store.get('p')) as CachedPage).toEqual(page('original'));
      });

      it('hands out copies: changing a Buffer it returned changes nothing', async () => {
        await store.save('p', page('original'), LIMITS);
        const first = (await store.get('p')) as CachedPage;
        first.data.write('MUTATED!');
        expect(await store.get('p')).toEqual(page('original'));
      });
    });

    describe('when a page is cleared', () => {
      it('frees its bytes, reports it cleared, and keeps the name taken', async () => {
        await store.save('a', page('aaaa'), LIMITS);
        await store.save('b', page('bb'), LIMITS);
        await store.clear('a');
        expect(await store.get('a')).toBe('cleared');
        expect(await store.get('b')).toEqual(page('bb'));
        expect(await store.size()).toBe(2);
        expect(await store.save('a', page('new'), LIMITS)).toBe('exists');
        expect(await store.get('a')).toBe('cleared');
        expect(await store.size()).toBe(2);
      });

      it('frees its bytes only once when cleared twice', async () => {
        await store.save('a', page('aaaa'), LIMITS);
        await store.save('b', page('bb'), LIMITS);
        await store.clear('a');
        await store.clear('a');
        expect(await store.size()).toBe(2);
      });

      it('leaves a name never saved alone (it stays free)', async () => {
        await store.clear('ghost');
        expect(await store.get('ghost')).toBeUndefined();
        expect(await store.save('ghost', page('boo'), LIMITS)).toBe('saved');
      });
    });

    describe('when all pages are cleared', () => {
      it('frees every page and keeps every name taken', async () => {
        await store.save('a', page('aaaa'), LIMITS);
        await store.save('b', page('bb'), LIMITS);
        await store.clear('b');
        await store.clearAll();
        expect(await store.size()).toBe(0);
        expect(await store.get('a')).toBe('cleared');
        expect(await store.get('b')).toBe('cleared');
        expect(await store.save('a', page('x'), LIMITS)).toBe('exists');
        expect(await store.save('c', page('ccc'), LIMITS)).toBe('saved');
        expect(await store.size()).toBe(3);
      });
    });

    describe('maxSize', () => {
      const limits: PageLimits = { maxSize: 10, maxNames: 100 };

      it('takes a page that fills the store exactly', async () => {
        expect(await store.save('a', page('123456'), limits)).toBe('saved');
        expect(await store.save('b', page('7890'), limits)).toBe('saved');
        expect(await store.size()).toBe(10);
      });

      it('refuses a page that does not fit, without taking its name', async () => {
        await store.save('a', page('123456'), limits);
        expect(await store.save('b', page('78901'), limits)).toBe('full');
        expect(await store.get('b')).toBeUndefined();
        expect(await store.size()).toBe(6);
        expect(await store.save('b', page('7890'), limits)).toBe('saved');
      });

      it('refuses a page larger than maxSize on its own', async () => {
        expect(await store.save('big', binaryPage(11), limits)).toBe('full');
        expect(await store.size()).toBe(0);
      });

      it('makes room again once pages are cleared', async () => {
        await store.save('a', page('1234567890'), limits);
        expect(await store.save('b', page('1'), limits)).toBe('full');
        await store.clear('a');
        expect(await store.save('b', page('1234567890'), limits)).toBe('saved');
      });

      it('reports a taken name as "exists" even when the page would not fit', async () => {
        await store.save('a', page('1234567890'), limits);
        expect(await store.save('a', page('1'), limits)).toBe('exists');
      });
    });

    describe('maxNames', () => {
      const limits: PageLimits = { maxSize: 1000, maxNames: 3 };

      it('counts live and cleared names, and clearing does not free names', async () => {
        await store.save('a', page('a'), limits);
        await store.save('b', page('b'), limits);
        await store.clear('a');
        await store.save('c', page('c'), limits);
        expect(await store.save('d', page('d'), limits)).toBe('too-many-names');
        await store.clearAll();
        expect(await store.save('d', page('d'), limits)).toBe('too-many-names');
        expect(await store.get('d')).toBeUndefined();
        expect(await store.size()).toBe(0);
      });

      it('still answers "exists" for a taken name at the limit', async () => {
        for (const n of ['a', 'b', 'c']) await store.save(n, page(n), limits);
        expect(await store.save('a', page('x'), limits)).toBe('exists');
      });
    });

    describe('when calls run concurrently', () => {
      it('saves a name at most once', async () => {
        const results = await Promise.all(
          Array.from({ length: 50 }, (_, i) => store.save('same', page(`v${i}`), LIMITS)),
        );
        expect(results.filter((r) => r === 'saved')).toHaveLength(1);
        expect(results.filter((r) => r === 'exists')).toHaveLength(49);
        const winner = results.indexOf('saved');
        expect(await store.get('same')).toEqual(page(`v${winner}`));
        expect(await store.size()).toBe(`v${winner}`.length);
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
          saves.set(n, store.save(n, binaryPage(sizes[i]!, i), limits));
          ops.push(saves.get(n)!);
          if (random() < 0.3) {
            const target = names[Math.floor(random() * (i + 1))]!;
            clearedNames.add(target);
            ops.push(store.clear(target));
          }
          if (i % 10 === 0) ops.push(store.size().then((s) => observed.push(s)));
        });
        await Promise.all(ops);

        for (const s of observed) {
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(limits.maxSize);
        }
        let live = 0;
        for (const [i, n] of names.entries()) {
          const result = await saves.get(n)!;
          const got = await store.get(n);
          if (result === 'saved') {
            if (got === 'cleared') expect(clearedNames.has(n)).toBe(true);
            else expect(got).toEqual(binaryPage(sizes[i]!, i));
          } else {
            expect(result).toBe('full');
            expect(got).toBeUndefined();
          }
          if (got !== undefined && got !== 'cleared') live += got.data.length;
        }
        const size = await store.size();
        expect(size).toBe(live);
        expect(size).toBeLessThanOrEqual(limits.maxSize);
      });

      it('ends at size 0 after clearing everything, whatever the interleaving', async () => {
        const limits: PageLimits = { maxSize: 500, maxNames: 10_000 };
        const ops: Promise<unknown>[] = [];
        for (let i = 0; i < 100; i++) {
          ops.push(store.save(`n${i}`, binaryPage(i % 40, i), limits));
          ops.push(store.clear(`n${(i * 7) % 100}`));
          if (i % 25 === 0) ops.push(store.clearAll());
        }
        await Promise.all(ops);
        await store.clearAll();
        expect(await store.size()).toBe(0);
      });
    });
  });
}
