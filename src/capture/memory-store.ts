// MemoryCaptureStore: bins and their hits in this process's memory, bounded in hits and bytes, the oldest evicted first.
import { HttpError } from '../shared/errors';
import { positiveIntegerOption } from '../shared/options';
import type { BinInfo, CaptureStore, HitQuery } from '../types';
import { compareHitIds, HitIds, type Hit, type NewHit } from './hit';
import type { BinResponse } from './response';

/** Options for {@link MemoryCaptureStore}. */
export interface MemoryCaptureStoreOptions {
  /** How many hits it keeps, all bins together; past it, the oldest goes. Defaults to `10000`. */
  maxHits?: number;
  /**
   * How many bytes it keeps, of hits (bodies and headers) and of the
   * responses bins give (at most a quarter of it; a response past that is
   * refused); past it, the oldest hit goes. Defaults to
   * `67108864` (64 MiB).
   */
  maxBytes?: number;
  /**
   * How many bins it keeps (and `all`); making one more forgets the oldest
   * bin that holds no hit, or, when every bin holds hits, is refused.
   * Defaults to `1000`.
   */
  maxBins?: number;
}

/** A bin that cannot be made or given its response: the store has no room (507). */
export class CaptureStoreFullError extends HttpError {
  constructor(reason: string) {
    super(507, `${reason}: delete bins you no longer need (DELETE api/bins/ID).`);
    this.name = 'CaptureStoreFullError';
  }
}

/**
 * A hit as the store keeps it: its JSON (one string, which the garbage
 * collector never has to walk, where a hit's objects would be dozens) and
 * what queries filter on.
 */
interface StoredHit {
  readonly json: string;
  readonly label: string;
  readonly method: string;
}

interface Bin {
  readonly id: string;
  readonly createdAt: number;
  response: BinResponse | undefined;
  /** What the response takes of the byte budget. */
  responseBytes: number;
  ordinal: number;
  evicted: number;
  readonly hits: Map<string, StoredHit>;
}

/** The largest page of hits one call gives. */
export const MAX_HITS_PAGE = 1000;

/** Copies JSON data (a response), so callers cannot change what the store holds. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** What a bin's response takes of the byte budget, as a hit's JSON does. */
function responseBytes(response: BinResponse | undefined): number {
  return response === undefined ? 0 : 2 * JSON.stringify(response).length;
}

/** A stored hit, as a fresh object of its own. */
function hitOf(stored: StoredHit): Hit {
  return JSON.parse(stored.json) as Hit;
}

/**
 * Bins and hits in `Map`s. Every method does its work without an `await`,
 * so calls are atomic. Retention: at most `maxHits` hits and `maxBytes` of
 * them, all bins together, the oldest evicted first (each bin counts its
 * evicted hits); at most `maxBins` bins. Forgotten on restart (see
 * `FileCaptureStore` for a store that is not).
 */
export class MemoryCaptureStore implements CaptureStore {
  readonly maxHits: number;
  readonly maxBytes: number;
  readonly maxBins: number;
  readonly #bins = new Map<string, Bin>();
  /** Every hit in id order, for eviction: [bin, id, bytes]; entries of deleted hits are skipped. */
  readonly #order: [string, string, number][] = [];
  #head = 0;
  #count = 0;
  /** Bytes of the hits kept and of the bins' responses. */
  #bytes = 0;
  /** Bytes of the bins' responses alone. */
  #responses = 0;
  readonly #ids = new HitIds();
  readonly #listeners = new Set<{ bin: string | undefined; listener: (hit: Hit) => void }>();

  constructor(options: MemoryCaptureStoreOptions = {}) {
    const example = 'new MemoryCaptureStore({ maxHits: 10000, maxBytes: 67108864 })';
    this.maxHits = positiveIntegerOption(
      'MemoryCaptureStore',
      'maxHits',
      options.maxHits,
      10_000,
      example,
    );
    this.maxBytes = positiveIntegerOption(
      'MemoryCaptureStore',
      'maxBytes',
      options.maxBytes,
      64 * 1024 * 1024,
      example,
    );
    this.maxBins = positiveIntegerOption(
      'MemoryCaptureStore',
      'maxBins',
      options.maxBins,
      1000,
      example,
    );
  }

  #info(bin: Bin): BinInfo {
    return {
      id: bin.id,
      createdAt: bin.createdAt,
      hits: bin.hits.size,
      evicted: bin.evicted,
      response: bin.response === undefined ? undefined : copy(bin.response),
    };
  }

  createBin(id: string, response?: BinResponse, createdAt = Date.now()): boolean {
    if (this.#bins.has(id)) return false;
    const bytes = this.#room(responseBytes(response));
    if (id !== 'all' && this.#bins.size - (this.#bins.has('all') ? 1 : 0) >= this.maxBins) {
      // Anyone may make a bin: one that holds hits (someone's evidence) is never forgotten for it.
      let empty: string | undefined;
      for (const bin of this.#bins.values()) {
        if (bin.id !== 'all' && bin.hits.size === 0) {
          empty = bin.id;
          break;
        }
      }
      if (empty === undefined) {
        throw new CaptureStoreFullError(`Every one of the ${this.maxBins} bins holds hits`);
      }
      this.deleteBin(empty);
    }
    this.#bins.set(id, {
      id,
      createdAt,
      response: response === undefined ? undefined : copy(response),
      responseBytes: bytes,
      ordinal: 0,
      evicted: 0,
      hits: new Map(),
    });
    this.#bytes += bytes;
    this.#responses += bytes;
    this.#evict();
    return true;
  }

  /** Checks that a response of `bytes` fits beside the other bins' responses; gives `bytes`. */
  #room(bytes: number, freed = 0): number {
    // A quarter of the budget at most: anyone may make a bin with a response,
    // and the room left is the hits'.
    if (this.#responses - freed + bytes > this.maxBytes / 4) {
      throw new CaptureStoreFullError(
        `The bins' responses would take more than a quarter of the store's ${this.maxBytes} bytes`,
      );
    }
    return bytes;
  }

  getBin(id: string): BinInfo | undefined {
    const bin = this.#bins.get(id);
    return bin && this.#info(bin);
  }

  listBins(): BinInfo[] {
    return [...this.#bins.values()].map((bin) => this.#info(bin));
  }

  deleteBin(id: string): boolean {
    const bin = this.#bins.get(id);
    if (!bin) return false;
    for (const hit of [...bin.hits.keys()]) this.#forget(bin, hit);
    this.#bytes -= bin.responseBytes;
    this.#responses -= bin.responseBytes;
    this.#bins.delete(id);
    return true;
  }

  setResponse(id: string, response: BinResponse | undefined): boolean {
    const bin = this.#bins.get(id);
    if (!bin) return false;
    const bytes = this.#room(responseBytes(response), bin.responseBytes);
    bin.response = response === undefined ? undefined : copy(response);
    this.#bytes += bytes - bin.responseBytes;
    this.#responses += bytes - bin.responseBytes;
    bin.responseBytes = bytes;
    // A new response starts its sequence again.
    bin.ordinal = 0;
    this.#evict();
    return true;
  }

  take(id: string): { response: BinResponse | undefined; ordinal: number } | undefined {
    const bin = this.#bins.get(id);
    if (!bin) return undefined;
    return { response: bin.response, ordinal: bin.ordinal++ };
  }

  add(hit: NewHit): Hit | undefined {
    const bin = this.#bins.get(hit.bin);
    if (!bin) return undefined;
    const stored: Hit = { id: this.#ids.next(), ...hit };
    const json = JSON.stringify(stored);
    this.#keep(bin, stored, json);
    this.kept(json);
    for (const { bin: wanted, listener } of this.#listeners) {
      if (wanted === undefined || wanted === stored.bin) listener(JSON.parse(json) as Hit);
    }
    // The store keeps only the JSON: what it gives back cannot change what it holds.
    return stored;
  }

  /** Told the JSON of every hit `add` keeps (a store that writes hits elsewhere too). */
  protected kept(_json: string): void {}

  /** Keeps a hit (its id given already), evicting the oldest past the limits. */
  protected keep(hit: Hit): void {
    const bin = this.#bins.get(hit.bin);
    if (!bin) return;
    this.#ids.seen(hit.id);
    this.#keep(bin, hit, JSON.stringify(hit));
  }

  #keep(bin: Bin, hit: Hit, json: string): void {
    const bytes = 2 * json.length;
    bin.hits.set(hit.id, { json, label: hit.label, method: hit.method });
    this.#order.push([hit.bin, hit.id, bytes]);
    this.#count += 1;
    this.#bytes += bytes;
    this.#evict();
  }

  /** Evicts the oldest hits past the limits (the newest is kept whatever its size). */
  #evict(): void {
    while ((this.#count > this.maxHits || this.#bytes > this.maxBytes) && this.#count > 1) {
      const [binId, id, size] = this.#order[this.#head]!;
      this.#head += 1;
      const owner = this.#bins.get(binId);
      if (owner && this.#forget(owner, id, size)) owner.evicted += 1;
    }
    // Drop the consumed front of the order now and then, not per eviction.
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** Forgets a stored hit and its share of the totals (its entry in the order is skipped later); whether it was there. */
  #forget(bin: Bin, id: string, bytes = 2 * (bin.hits.get(id)?.json.length ?? 0)): boolean {
    if (!bin.hits.delete(id)) return false;
    this.#count -= 1;
    this.#bytes -= bytes;
    return true;
  }

  hits(binId: string, query: HitQuery = {}): Hit[] {
    const bin = this.#bins.get(binId);
    if (!bin) return [];
    const limit = Math.min(query.limit ?? 100, MAX_HITS_PAGE);
    const found: Hit[] = [];
    for (const [id, hit] of bin.hits) {
      if (found.length >= limit) break;
      if (query.since !== undefined && compareHitIds(id, query.since) <= 0) continue;
      if (query.label !== undefined && hit.label !== query.label) continue;
      if (query.method !== undefined && hit.method !== query.method) continue;
      found.push(hitOf(hit));
    }
    return found;
  }

  hit(binId: string, id: string): Hit | undefined {
    const hit = this.#bins.get(binId)?.hits.get(id);
    return hit && hitOf(hit);
  }

  deleteHit(binId: string, id: string): boolean {
    const bin = this.#bins.get(binId);
    return bin !== undefined && this.#forget(bin, id);
  }

  subscribe(bin: string | undefined, listener: (hit: Hit) => void): () => void {
    const entry = { bin, listener };
    this.#listeners.add(entry);
    return () => void this.#listeners.delete(entry);
  }

  /** Forgets everything. */
  close(): void {
    this.#bins.clear();
    this.#order.length = 0;
    this.#head = 0;
    this.#count = 0;
    this.#bytes = 0;
    this.#responses = 0;
    this.#listeners.clear();
  }
}
