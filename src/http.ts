// Shared pieces of HTTP's grammar: tokens (methods, header and cookie names) and media types.
import { parse } from 'content-type';

/** An RFC 9110 token: a method, a header name, a cookie name. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** True when `value` is an HTTP token (`GET`, `X-Foo`, `SESSION`). */
export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

/**
 * The media type of a `Content-Type` value, lower-cased and without its
 * parameters (`Text/HTML; charset=x` → `text/html`), as the `content-type`
 * package reads it; `''` for an empty value.
 */
export function mediaType(contentType: string): string {
  try {
    return parse(contentType, { parameters: false }).type;
  } catch {
    return '';
  }
}
