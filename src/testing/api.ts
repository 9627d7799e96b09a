// The test framework a contract suite registers its tests with: jest's, vitest's or mocha's globals, or node:test's.

/** The four functions a contract suite needs from a test framework. */
export interface TestApi {
  describe(name: string, fn: () => void): unknown;
  it(name: string, fn: () => Promise<void> | void): unknown;
  beforeEach(fn: () => Promise<void> | void): unknown;
  afterEach(fn: () => Promise<void> | void): unknown;
}

/** Options every contract suite takes. */
export interface ContractOptions {
  /**
   * The test framework's functions. Defaults to the globals that jest,
   * vitest (with `globals`) and mocha define; with `node:test`, pass
   * `{ describe, it, beforeEach, afterEach }` from it.
   */
  api?: TestApi;
  /**
   * Moves the store's clock past a deadline (milliseconds since the epoch),
   * for the tests of expiry. A store that reads `Date.now()` can be given a
   * fake clock here; the default waits for the real clock to pass the
   * deadline, for stores that keep time themselves (a Redis server).
   */
  passTime?: (deadline: number) => Promise<void> | void;
}

/** Waits for the real clock to pass `deadline`. */
export function waitUntil(deadline: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()) + 5));
}

/** The test API to register with: the one given, or the framework's globals. */
export function testApi(given: TestApi | undefined): TestApi {
  if (given) return given;
  const globals = globalThis as Partial<TestApi>;
  const { describe, it, beforeEach, afterEach } = globals;
  if (!describe || !it || !beforeEach || !afterEach) {
    throw new TypeError(
      'mixnmatch/testing: no describe/it/beforeEach/afterEach globals; pass them as { api } (from node:test, say).',
    );
  }
  return { describe, it, beforeEach, afterEach };
}
