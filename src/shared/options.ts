// Shared helpers for the factories' construction-time checks of their options.
import { ConfigError } from './errors';

/** Edit distance between two short strings, for "did you mean" hints. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** ` Did you mean "x"?` for the closest candidate within a small distance, or ''. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = distance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3))
    ? ` Did you mean "${best}"?`
    : '';
}

/** A short, safe rendering of a value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (value === null || typeof value !== 'object') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return 'an object';
}

/** True for `{}`-style objects (not arrays, class instances excepted only for null prototypes). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Checks an options argument: undefined means `{}`; anything else must be a
 * plain object whose keys are all known. Keys whose value is `undefined` are
 * dropped, so `{ maxSize: undefined }` means the default.
 */
export function optionsObject(
  feature: string,
  given: unknown,
  known: readonly string[],
  example: string,
): Record<string, unknown> {
  if (given === undefined) return {};
  if (!isPlainObject(given)) {
    throw new ConfigError(feature, `options must be an object (got ${show(given)}).`, example);
  }
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    if (!known.includes(key)) {
      throw new ConfigError(
        feature,
        `unknown option "${key}".${didYouMean(key, known)} Known options: ${known.join(', ')}.`,
        example,
      );
    }
    if (value !== undefined) result[key] = value;
  }
  return result;
}

/**
 * Catches the slip `app.use(mixnmatch.cache)`: Express then calls the factory
 * itself with (req, res, next), so its first argument is a request, and the
 * factory throws this at once.
 */
export function assertNotMiddlewareCall(feature: string, first: unknown): void {
  const req = first as { method?: unknown; headers?: unknown; socket?: unknown } | null | undefined;
  if (
    req !== null &&
    typeof req === 'object' &&
    typeof req.method === 'string' &&
    typeof req.headers === 'object' &&
    typeof req.socket === 'object'
  ) {
    throw new ConfigError(
      feature,
      `it looks like you wrote app.use(mixnmatch.${feature}) without calling the factory.`,
      `app.use(mixnmatch.${feature}())`,
    );
  }
}

/** Reads a boolean option, or its default; anything else is a `ConfigError`. */
export function booleanOption(
  feature: string,
  options: Record<string, unknown>,
  key: string,
  fallback: boolean,
  example: string,
): boolean {
  const value = options[key] ?? fallback;
  if (typeof value !== 'boolean') {
    throw new ConfigError(
      feature,
      `"${key}" must be true or false (got ${show(value)}).`,
      example,
      key,
    );
  }
  return value;
}

/**
 * Reads a positive integer option, or its default; anything else is a
 * `ConfigError` (`cache(): "maxSize" must be a positive integer (got -1)`).
 * `what` describes the value in the message.
 */
export function positiveIntegerOption(
  feature: string,
  key: string,
  given: unknown,
  fallback: number,
  example: string,
  what = 'a positive integer',
): number {
  const value = given ?? fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(feature, `"${key}" must be ${what} (got ${show(value)}).`, example, key);
  }
  return value;
}

/**
 * Checks that a store given as an option is an object with the methods the
 * feature calls, naming the first one missing:
 * `cache(): "store" is missing the method clearAll() that a PageStore needs (…)`.
 */
export function storeOption<T>(
  feature: string,
  key: string,
  value: unknown,
  kind: string,
  methods: readonly string[],
  example: string,
): T {
  if (value === null || typeof value !== 'object') {
    throw new ConfigError(
      feature,
      `"${key}" must be a ${kind} (got ${show(value)}).`,
      example,
      key,
    );
  }
  for (const method of methods) {
    if (typeof (value as Record<string, unknown>)[method] !== 'function') {
      throw new ConfigError(
        feature,
        `"${key}" is missing the method ${method}() that a ${kind} needs (${methods.map((m) => `${m}()`).join(', ')}).`,
        example,
        key,
      );
    }
  }
  return value as T;
}
