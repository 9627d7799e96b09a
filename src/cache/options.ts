// cache() options: the public CacheOptions type and their validation at construction time.
import { ConfigError } from '../shared/errors';
import {
  didYouMean,
  optionsObject,
  positiveIntegerOption,
  show,
  storeOption,
} from '../shared/options';
import { MemoryPageStore } from './memory-store';
import type { PageStore } from '../types';
import { REQUIRED_STORE_METHODS } from './store';

/** Which status codes `cache()` answers with. */
export type CacheStatusCodes = 'http' | 'mixnmatchttp';

/** Options for `cache()`. */
export interface CacheOptions {
  /**
   * `'http'` answers each problem with its own status (409 overwrite, 404
   * never cached, 410 cleared, 507 full, 415 unknown content type);
   * `'mixnmatchttp'` gives the original server's codes instead (500 for
   * overwrite, never cached, cleared and full; 400 for an unknown content
   * type), for scripts written against it. Defaults to `'http'`.
   */
  statusCodes?: CacheStatusCodes;
  /** The most bytes of page data held at once; clearing a page frees its bytes. Defaults to `2097152`. */
  maxSize?: number;
  /**
   * The largest request body read, in bytes; a larger one gets 413. The
   * default fits a `maxSize` page posted as base64 JSON. Defaults to the
   * larger of `3145728` (3 MiB) and `ceil(4 / 3 × maxSize) + 65536`, at
   * most `Number.MAX_SAFE_INTEGER`.
   */
  bodyLimit?: number;
  /**
   * How many page names the store remembers, live and cleared together.
   * Names are never reusable, so every name saved is kept for good; this
   * bounds that memory. Saving a new name beyond it gets 507. Defaults to `100000`.
   */
  maxNames?: number;
  /** Where pages are kept; checked for the required methods at construction. Defaults to `new MemoryPageStore()`. */
  store?: PageStore;
  /**
   * When it aborts, every request waiting with `?wait=` is answered at once,
   * as without it: give one that aborts when the server stops, so a
   * graceful stop does not wait for long polls. Defaults to none.
   */
  signal?: AbortSignal;
}

/** {@link CacheOptions} after validation, every field set. */
export interface ParsedCacheOptions {
  readonly statusCodes: CacheStatusCodes;
  readonly maxSize: number;
  readonly bodyLimit: number;
  readonly maxNames: number;
  readonly store: PageStore;
  readonly signal: AbortSignal | undefined;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** The defaults of {@link CacheOptions} that do not depend on other options. */
export const CACHE_DEFAULTS = { statusCodes: 'http', maxSize: 2 * MiB, maxNames: 100_000 } as const;

const KNOWN = ['statusCodes', 'maxSize', 'bodyLimit', 'maxNames', 'store', 'signal'] as const;
const STATUS_CODES: readonly CacheStatusCodes[] = ['http', 'mixnmatchttp'];

const EXAMPLES: Readonly<Record<(typeof KNOWN)[number] | 'options', string>> = {
  options: 'cache({ maxSize: 1048576 })',
  statusCodes: "cache({ statusCodes: 'mixnmatchttp' })",
  maxSize: 'cache({ maxSize: 1048576 })',
  bodyLimit: 'cache({ bodyLimit: 4194304 })',
  maxNames: 'cache({ maxNames: 10000 })',
  store: 'cache({ store: new MemoryPageStore() })',
  signal: 'cache({ signal: stopping.signal })',
};

/**
 * The default `bodyLimit` for a `maxSize`: enough for a full-size page as
 * base64 JSON, at least 3 MiB, and never past the largest safe integer (a
 * `maxSize` near it must not make an invalid default of an option the user
 * never set).
 */
export function defaultBodyLimit(maxSize: number): number {
  return Math.min(
    Number.MAX_SAFE_INTEGER,
    Math.max(3 * MiB, Math.ceil((4 / 3) * maxSize) + 64 * KiB),
  );
}

/** Validates `cache()` options and fills in the defaults. Throws a `ConfigError` naming the problem. */
export function parseCacheOptions(given: unknown): ParsedCacheOptions {
  const options = optionsObject('cache', given, KNOWN, EXAMPLES.options);
  const statusCodes = options.statusCodes ?? CACHE_DEFAULTS.statusCodes;
  if (!STATUS_CODES.includes(statusCodes as CacheStatusCodes)) {
    throw new ConfigError(
      'cache',
      `"statusCodes" must be 'http' or 'mixnmatchttp' (got ${show(statusCodes)}).${
        typeof statusCodes === 'string' ? didYouMean(statusCodes, STATUS_CODES) : ''
      }`,
      EXAMPLES.statusCodes,
      'statusCodes',
    );
  }
  const integer = (key: 'maxSize' | 'bodyLimit' | 'maxNames', fallback: number) =>
    positiveIntegerOption('cache', key, options[key], fallback, EXAMPLES[key]);
  const maxSize = integer('maxSize', CACHE_DEFAULTS.maxSize);
  const bodyLimit = integer('bodyLimit', defaultBodyLimit(maxSize));
  const maxNames = integer('maxNames', CACHE_DEFAULTS.maxNames);
  const store =
    options.store === undefined
      ? new MemoryPageStore()
      : storeOption<PageStore>(
          'cache',
          'store',
          options.store,
          'PageStore',
          REQUIRED_STORE_METHODS,
          EXAMPLES.store,
        );
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new ConfigError(
      'cache',
      `"signal" must be an AbortSignal (got ${show(signal)}).`,
      EXAMPLES.signal,
      'signal',
    );
  }
  return {
    statusCodes: statusCodes as CacheStatusCodes,
    maxSize,
    bodyLimit,
    maxNames,
    store,
    signal,
  };
}
