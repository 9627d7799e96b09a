// Shared bench fixtures: the 1 KiB page, the folder of files the servers serve, and the session they all know.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What every bench server is given: the folder it serves and the one valid session id. */
export interface BenchEnv {
  /** A temporary folder with `page.html` and `secret/page.html`. */
  readonly root: string;
  /** A session id (64 lowercase hex digits) every server accepts as logged in. */
  readonly sessionId: string;
  /** The redis-server the Redis scenarios use (started by the bench), when there is one. */
  readonly redisUrl?: string;
}

/** 1 KiB of HTML, with spaces and markup so that form-encoding it changes it. */
export const PAGE: string = (() => {
  const line = '<p>mix and match, 1 KiB of page</p>\n';
  const text = line.repeat(Math.ceil(1024 / line.length));
  return text.slice(0, 1024);
})();

export const PAGE_BYTES: Buffer = Buffer.from(PAGE, 'utf8');

/** A fixed, well-formed session id: the same in every server, so requests are identical. */
export const SESSION_ID = 'b3'.repeat(32);

/** The cookie that carries {@link SESSION_ID}. */
export const SESSION_COOKIE = `SESSION=${SESSION_ID}`;

/** Creates the folder the servers serve; `remove()` deletes it. */
export function createFixtures(): BenchEnv & { remove(): void } {
  const root = mkdtempSync(path.join(tmpdir(), 'mixnmatch-bench-'));
  mkdirSync(path.join(root, 'secret'));
  writeFileSync(path.join(root, 'page.html'), PAGE_BYTES);
  writeFileSync(path.join(root, 'secret', 'page.html'), PAGE_BYTES);
  return {
    root,
    sessionId: SESSION_ID,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
