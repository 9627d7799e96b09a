// Requests waiting for a page name to be saved (GET /cache/{name}?wait=S), by name: the page stores' waitFor().

/**
 * Waiters by page name: each resolves `true` when its name is saved
 * ({@link notify}), or `false` when its time is up or its request went
 * away. Every timer and listener goes with its waiter.
 */
export class Waiters {
  readonly #byName = new Map<string, Set<(saved: boolean) => void>>();

  /**
   * Waits up to `ms` for `name` to be saved. `saved()` is asked once the
   * waiter is registered: a save that came between the caller's lookup and
   * now is seen there (it resolves `true` at once).
   */
  async wait(
    name: string,
    ms: number,
    signal: AbortSignal,
    saved: () => boolean | Promise<boolean>,
  ): Promise<boolean> {
    if (signal.aborted) return false;
    let settle: (saved: boolean) => void = () => undefined;
    const result = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => settle(false), ms);
      const abort = () => settle(false);
      settle = (value) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', abort);
        const set = this.#byName.get(name);
        set?.delete(settle);
        if (set?.size === 0) this.#byName.delete(name);
        resolve(value);
      };
      signal.addEventListener('abort', abort, { once: true });
      const set = this.#byName.get(name) ?? new Set();
      set.add(settle);
      this.#byName.set(name, set);
    });
    try {
      if (await saved()) settle(true);
    } catch (err) {
      settle(false);
      throw err;
    }
    return result;
  }

  /** Wakes every waiter of `name`. */
  notify(name: string): void {
    for (const settle of [...(this.#byName.get(name) ?? [])]) settle(true);
  }

  /** How many wait (any name). */
  get size(): number {
    let n = 0;
    for (const set of this.#byName.values()) n += set.size;
    return n;
  }
}
