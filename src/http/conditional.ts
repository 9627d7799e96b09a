// Conditional requests (RFC 9110 §13): If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since against a representation's validators.
import type { Request } from 'express';

/** What identifies a representation: its strong entity tag, and when it last changed (ms, whole seconds), if known. */
export interface Validators {
  etag: string;
  lastModified?: number;
}

/** Whether an entity-tag list (`"a", W/"b"`, or `*`) matches `etag`: strongly (If-Match) or weakly (If-None-Match). */
function listMatches(header: string, etag: string, strong: boolean): boolean {
  const opaque = etag.replace(/^W\//, '');
  for (const raw of header.split(',')) {
    const tag = raw.trim();
    if (tag === '*') return true;
    if (strong ? tag === etag && !etag.startsWith('W/') : tag.replace(/^W\//, '') === opaque) {
      return true;
    }
  }
  return false;
}

/** An HTTP date in milliseconds, or `undefined` for none or one that does not parse (then the header is ignored). */
function httpDate(value: string | undefined): number | undefined {
  if (value === undefined || value.length > 64 || !HTTP_DATE.test(value.trim())) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

/** The forms of an HTTP date (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime ones. */
const HTTP_DATE =
  /^(?:[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]{5,8}, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4})$/;

/**
 * Evaluates a request's preconditions in RFC 9110 §13.2.2's order against
 * the current representation (`undefined` when there is none): `412` when
 * one fails that forbids the method, `304` for a GET or HEAD whose cached
 * copy is current, else `undefined` (answer as usual).
 */
export function evaluatePreconditions(
  req: Request,
  current: Validators | undefined,
): 304 | 412 | undefined {
  // Without a representation the answer is a 404 or 410 as usual: preconditions apply only to a 2xx (§13.2.1).
  if (!current) return undefined;
  const { headers } = req;
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!listMatches(ifMatch, current.etag, true)) return 412;
  } else {
    const since = httpDate(headers['if-unmodified-since']);
    if (
      since !== undefined &&
      current?.lastModified !== undefined &&
      current.lastModified > since
    ) {
      return 412;
    }
  }
  const read = req.method === 'GET' || req.method === 'HEAD';
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (listMatches(ifNoneMatch, current.etag, false)) return read ? 304 : 412;
    return undefined;
  }
  const modifiedSince = read ? httpDate(headers['if-modified-since']) : undefined;
  if (
    modifiedSince !== undefined &&
    current.lastModified !== undefined &&
    current.lastModified <= modifiedSince
  ) {
    return 304;
  }
  return undefined;
}
