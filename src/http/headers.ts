// Shared pieces of HTTP's grammar: tokens (methods, header and cookie names) and media types.
import { parse } from 'content-type';
import { hasControlCharacters } from './location';

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

/** Headers that frame the response: set from a request, they would corrupt it (Node refuses a `Trailer` with a length). */
const FRAMING_HEADERS = new Set(['content-length', 'transfer-encoding', 'trailer']);

/**
 * Why a response header a client asked for cannot be sent, or `undefined`
 * when it can: a name that is not a token, a header that frames the
 * response, or a value holding a control character (CR, LF, NUL…; a tab
 * is fine). `shown` is the name as the answer should name it.
 */
export function headerProblem(name: string, value: string, shown = name): string | undefined {
  if (!isToken(name)) return `${JSON.stringify(name)} is not a valid header name.`;
  if (FRAMING_HEADERS.has(name.toLowerCase()))
    return `${shown} cannot be set: it frames the response.`;
  if (hasControlCharacters(value.replace(/\t/g, ' ')))
    return `The value of ${shown} holds a control character (CR, LF…).`;
  return undefined;
}

/** A header value as UTF-8 on the wire (Node writes a string's characters as Latin-1 bytes). */
export function headerBytes(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
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
