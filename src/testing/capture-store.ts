// A contract suite any CaptureStore can be run through: register it from a test file.
import assert from 'node:assert/strict';
import { compareHitIds, type Hit, type NewHit } from '../capture';
import type { CaptureStore } from '../types';
import { testApi, type ContractOptions } from './api';

/** Options for {@link captureStoreContract}. */
export interface CaptureContractOptions extends ContractOptions {
  /** A store of the same kind that keeps at most `maxHits` hits per bin (for the eviction case), when it has such a cap. */
  bounded?: (maxHits: number) => CaptureStore | Promise<CaptureStore>;
  /** A store of the same kind that keeps at most `maxBins` bins (and `all`), for the bin-eviction case. */
  binsBounded?: (maxBins: number) => CaptureStore | Promise<CaptureStore>;
  /** A second store on the same backing state (another process, say), for the cross-store feed case. */
  twin?: (store: CaptureStore) => CaptureStore | Promise<CaptureStore>;
}

/** A hit of `bin` with a body of `text`. */
export function sampleHit(bin: string, text = 'a=1', extra: Partial<NewHit> = {}): NewHit {
  return {
    time: new Date().toISOString(),
    bin,
    label: '',
    method: 'POST',
    target: `/bin/${bin}?q=1`,
    path: `/bin/${bin}`,
    query: [['q', '1']],
    httpVersion: '1.1',
    headers: [
      ['Host', 'localhost'],
      ['Content-Type', 'application/x-www-form-urlencoded'],
    ],
    remoteAddress: '127.0.0.1',
    remotePort: 50000,
    tls: false,
    body: { text, size: Buffer.byteLength(text), truncated: false },
    status: 200,
    durationMs: 1,
    worker: 0,
    ...extra,
  };
}

/** Waits for `count` hits from a subscription, in order. */
function collect(store: CaptureStore, bin: string | undefined, count: number) {
  const seen: Hit[] = [];
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  const stop = store.subscribe(bin, (hit) => {
    seen.push(hit);
    if (seen.length >= count) done();
  });
  return { seen, all, stop };
}

const binId = (n: number) => `${'b'.repeat(25)}${'abcdefghijklmnop'[n]}`;

/**
 * Registers tests checking that `makeStore()` behaves as `capture()` needs a
 * CaptureStore to: bins made once, responses kept, a sequence's ordinal
 * counted atomically, hits kept in id order with ids that order across
 * bins, queries by since/label/method/limit, deletion, retention with an
 * evicted count, and subscriptions that see every hit once, in order.
 */
export function captureStoreContract(
  name: string,
  makeStore: () => CaptureStore | Promise<CaptureStore>,
  options: CaptureContractOptions = {},
): void {
  const { describe, it, beforeEach, afterEach } = testApi(options.api);
  describe(`${name} (CaptureStore contract)`, () => {
    let store: CaptureStore;
    const extra: CaptureStore[] = [];
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      for (const other of extra.splice(0)) await other.close?.();
      await store.close?.();
    });

    it('makes a bin once, and gives it with its response', async () => {
      assert.equal(await store.createBin(binId(0), { status: 302 }), true);
      assert.equal(await store.createBin(binId(0)), false);
      const bin = await store.getBin(binId(0));
      assert.equal(bin?.id, binId(0));
      assert.deepEqual(bin?.response, { status: 302 });
      assert.equal(bin?.hits, 0);
      assert.equal(bin?.evicted, 0);
      assert.equal(await store.getBin(binId(1)), undefined);
      assert.ok((await store.listBins()).some((b) => b.id === binId(0)));
    });

    it('counts hits for a sequence atomically, and starts again with a new response', async () => {
      await store.createBin(binId(1));
      const taken = await Promise.all(Array.from({ length: 20 }, () => store.take(binId(1))));
      assert.deepEqual(
        taken.map((t) => t?.ordinal).sort((a, b) => a! - b!),
        Array.from({ length: 20 }, (_, i) => i),
      );
      assert.equal(await store.setResponse(binId(1), { status: 201 }), true);
      const next = await store.take(binId(1));
      assert.deepEqual(next, { response: { status: 201 }, ordinal: 0 });
      assert.equal(await store.take(binId(9)), undefined);
      assert.equal(await store.setResponse(binId(9), undefined), false);
    });

    it('keeps hits in order with ids that order across bins, and queries them', async () => {
      await store.createBin(binId(2));
      await store.createBin(binId(3));
      const a = await store.add(sampleHit(binId(2), 'one', { label: 'form' }));
      const b = await store.add(sampleHit(binId(3), 'two'));
      const c = await store.add(sampleHit(binId(2), 'three', { method: 'GET' }));
      assert.ok(a && b && c);
      assert.ok(compareHitIds(a.id, b.id) < 0 && compareHitIds(b.id, c.id) < 0);
      const hits = await store.hits(binId(2));
      assert.deepEqual(
        hits.map((h) => h.body.text),
        ['one', 'three'],
      );
      assert.deepEqual(await store.hit(binId(2), a.id), a);
      assert.deepEqual(
        (await store.hits(binId(2), { since: a.id })).map((h) => h.id),
        [c.id],
      );
      assert.deepEqual(
        (await store.hits(binId(2), { label: 'form' })).map((h) => h.id),
        [a.id],
      );
      assert.deepEqual(
        (await store.hits(binId(2), { method: 'GET' })).map((h) => h.id),
        [c.id],
      );
      assert.equal((await store.hits(binId(2), { limit: 1 })).length, 1);
      assert.equal((await store.getBin(binId(2)))?.hits, 2);
      assert.equal(await store.add(sampleHit(binId(8))), undefined);
    });

    it('forgets a hit and a bin', async () => {
      await store.createBin(binId(4));
      const hit = await store.add(sampleHit(binId(4)));
      assert.equal(await store.deleteHit(binId(4), hit!.id), true);
      assert.equal(await store.deleteHit(binId(4), hit!.id), false);
      assert.equal(await store.hit(binId(4), hit!.id), undefined);
      await store.add(sampleHit(binId(4)));
      assert.equal(await store.deleteBin(binId(4)), true);
      assert.equal(await store.getBin(binId(4)), undefined);
      assert.deepEqual(await store.hits(binId(4)), []);
    });

    it('keeps bytes that are not text, and a body as given', async () => {
      await store.createBin(binId(5));
      const base64 = Buffer.from([0xff, 0x00, 0xfe]).toString('base64');
      const hit = await store.add(
        sampleHit(binId(5), '', { body: { base64, size: 3, truncated: true } }),
      );
      assert.deepEqual((await store.hit(binId(5), hit!.id))?.body, {
        base64,
        size: 3,
        truncated: true,
      });
    });

    it('tells subscribers every hit once, in order, of their bin or of all', async () => {
      await store.createBin(binId(6));
      await store.createBin(binId(7));
      const one = collect(store, binId(6), 3);
      const every = collect(store, undefined, 4);
      try {
        // A store that reads a feed may start listening a moment after subscribe.
        await store.listening?.();
        for (const [bin, text] of [
          [binId(6), '1'],
          [binId(7), '2'],
          [binId(6), '3'],
          [binId(6), '4'],
        ] as const) {
          await store.add(sampleHit(bin, text));
        }
        await Promise.all([one.all, every.all]);
        assert.deepEqual(
          one.seen.map((h) => h.body.text),
          ['1', '3', '4'],
        );
        assert.deepEqual(
          every.seen.map((h) => h.body.text),
          ['1', '2', '3', '4'],
        );
      } finally {
        one.stop();
        every.stop();
      }
    });

    if (options.twin) {
      const twinOf = options.twin;
      it('tells a subscriber on another store of the same state every hit added on this one', async () => {
        const other = await twinOf(store);
        extra.push(other);
        await store.createBin(binId(8));
        const seen = collect(other, binId(8), 2);
        try {
          await other.listening?.();
          await store.add(sampleHit(binId(8), 'x'));
          await store.add(sampleHit(binId(8), 'y'));
          await seen.all;
          assert.deepEqual(
            seen.seen.map((h) => h.body.text),
            ['x', 'y'],
          );
        } finally {
          seen.stop();
        }
      });
    }

    if (options.binsBounded) {
      const binsBounded = options.binsBounded;
      it('makes room for a bin by forgetting the oldest that holds no hit, never one with hits (then it refuses: 507)', async () => {
        const small = await binsBounded(2);
        extra.push(small);
        const ids = async () => (await small.listBins()).map((bin) => bin.id).sort();
        await small.createBin('all');
        await small.createBin(binId(10));
        await small.createBin(binId(11));
        await small.add(sampleHit(binId(11)));
        assert.equal(await small.createBin(binId(12)), true);
        assert.deepEqual(await ids(), ['all', binId(11), binId(12)]);
        await small.add(sampleHit(binId(12)));
        await assert.rejects(
          async () => small.createBin(binId(13)),
          (err: { status?: number }) => err.status === 507,
        );
        assert.deepEqual(await ids(), ['all', binId(11), binId(12)]);
        assert.equal((await small.getBin(binId(11)))?.hits, 1);
      });
    }

    if (options.bounded) {
      const bounded = options.bounded;
      it('evicts the oldest hits past its cap, and counts them', async () => {
        const small = await bounded(3);
        extra.push(small);
        await small.createBin(binId(9));
        for (let i = 0; i < 5; i++) await small.add(sampleHit(binId(9), String(i)));
        assert.deepEqual(
          (await small.hits(binId(9))).map((h) => h.body.text),
          ['2', '3', '4'],
        );
        const bin = await small.getBin(binId(9));
        assert.equal(bin?.hits, 3);
        assert.equal(bin?.evicted, 2);
      });
    }
  });
}
