// A saved page's entity tag: strong, of its type and bytes, made once when it is saved.
import { createHash } from 'node:crypto';

/** The strong ETag of a page (its type and bytes): a page never changes, so it is made once, at save. */
export function pageEtag(type: string, data: Buffer): string {
  const digest = createHash('sha256').update(type).update('\0').update(data);
  return `"${digest.digest('base64url').slice(0, 27)}"`;
}

/** What an ETag this module made looks like (a value a store gives back is checked against it). */
export const PAGE_ETAG = /^"[\w-]{27}"$/;
