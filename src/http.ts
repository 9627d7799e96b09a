// Shared pieces of HTTP's grammar: tokens (methods, header and cookie names) and media types.
import { parse } from 'content-type';

/** One or more characters of an RFC 9110 token. */
const TOKEN_CHARS = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";

/** An RFC 9110 token: a method, a header name, a cookie name. */
const TOKEN = new RegExp(`^${TOKEN_CHARS}$`);

/**
 * One media type with its parameters, as RFC 9110 writes it: `type/subtype`
 * and any `; name=value` (a token or a quoted string), nothing else.
 */
const MEDIA_TYPE = new RegExp(
  `^${TOKEN_CHARS}/${TOKEN_CHARS}(?:[ \\t]*;[ \\t]*${TOKEN_CHARS}=(?:${TOKEN_CHARS}|"(?:[^"\\\\]|\\\\.)*"))*[ \\t]*$`,
);

/**
 * True when a `Content-Type` value is exactly one well-formed media type.
 * Browsers read a value as a list (`text/plain;, text/html`) and take the
 * last type they can parse: only a value that is plainly one type is read
 * the same everywhere.
 */
export function isOneMediaType(value: string): boolean {
  return MEDIA_TYPE.test(value);
}

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
