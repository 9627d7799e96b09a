// Safe Location headers from request data: no control characters, spaces and non-ASCII percent-encoded.
import { HttpError } from '../shared/errors';

/** Any C0 control character or DEL: CR/LF among them, which would split the response. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** True when a string holds a C0 control character or DEL (CR/LF, NUL, tab…). */
export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/** A URL scheme at the start (`javascript:`, `http:`), as RFC 3986 and Go's url.Parse read one. */
export const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/**
 * Makes a URL from request data safe to send as `Location`: a URL holding a
 * control character (CR/LF splitting the response, NUL, tab…) is refused
 * with a 400 `HttpError`, thrown; spaces and characters outside ASCII are
 * percent-encoded as UTF-8 (Node refuses them in a header, which would
 * otherwise become a 500). Everything else is kept as given, `%XX` included,
 * so the address is not encoded twice.
 */
export function encodeLocation(url: string): string {
  if (hasControlCharacters(url)) {
    throw new HttpError(400, 'The redirect address contains control characters.');
  }
  try {
    return url.replace(/[^\x21-\x7e]+/gu, (run) => encodeURIComponent(run));
  } catch {
    // encodeURIComponent refuses a lone surrogate.
    throw new HttpError(400, 'The redirect address is not valid Unicode.');
  }
}

/**
 * Checks a `?goto=` address (login, logout): it must be relative
 * (`/next`, `page`, `//host/path`) or use `http:`/`https:`; `javascript:`,
 * `data:` and other schemes get a 400 `HttpError`, thrown. Returns the
 * address made safe by {@link encodeLocation}.
 */
export function gotoParamLocation(url: string): string {
  const location = encodeLocation(url);
  const scheme = SCHEME.exec(location);
  if (scheme && !/^https?$/i.test(scheme[1]!)) {
    throw new HttpError(400, `A goto address must be relative or http(s), not "${scheme[1]}:".`);
  }
  return location;
}
