// Telling a store's promised answer from one it gives at once.

/** Whether a store's answer is a promise (a memory store answers at once, and costs no promise turn). */
export function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
