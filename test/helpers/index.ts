// Shared test helpers: header assertions and throwaway folders of files.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Response } from 'supertest';

/**
 * Asserts response headers: a string or RegExp must match, `null` means the
 * header must be absent. Names are case-insensitive.
 */
export function expectHeaders(
  res: Response,
  expected: Record<string, string | RegExp | null>,
): void {
  for (const [name, value] of Object.entries(expected)) {
    const actual = res.headers[name.toLowerCase()] as string | undefined;
    if (value === null) expect({ [name]: actual }).toEqual({ [name]: undefined });
    else if (value instanceof RegExp)
      expect({ [name]: actual }).toEqual({ [name]: expect.stringMatching(value) });
    else expect({ [name]: actual }).toEqual({ [name]: value });
  }
}

/** The headers `noCache()` sends. */
export const NO_CACHE_HEADERS = {
  'cache-control': 'no-cache, no-store, must-revalidate',
  pragma: 'no-cache',
  expires: '0',
} as const;

/** A temporary folder holding `files` (path → content); call `remove()` when done. */
export function tempTree(files: Record<string, string | Buffer>): { root: string; remove(): void } {
  const base = mkdtempSync(path.join(tmpdir(), 'mixnmatch-'));
  for (const [file, content] of Object.entries(files)) {
    const full = path.join(base, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return { root: base, remove: () => rmSync(base, { recursive: true, force: true }) };
}
