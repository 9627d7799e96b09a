// Pure decoding of cache/echo request bodies: strict base64, byte-wise form parsing, page types. No Express here.
import mime from 'mime-types';
import { formFields, percentDecode } from '../http/form';
import { mediaType } from '../http/headers';
import { HttpError } from '../shared/errors';
import type { CachedPage } from '../types';

/** The type a page gets when it names none, or one that is not a known MIME type. */
export const DEFAULT_TYPE = 'text/plain';

/** A lowercase `type/subtype` of RFC 6838 restricted-name characters: nothing else may reach a header. */
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/**
 * A page's Content-Type from the request's `type` field: parameters dropped
 * (`text/html; charset=utf-8` → `text/html`), trimmed, lowercased; anything
 * that is not a known MIME type becomes `text/plain`. The result is always a
 * safe header value, since only known types pass.
 */
export function pageType(type: string | undefined): string {
  if (type === undefined) return DEFAULT_TYPE;
  const candidate = mediaType(type);
  // mime-types reads only up to the first space, so check the shape first.
  return MEDIA_TYPE.test(candidate) && mime.extension(candidate) !== false
    ? candidate
    : DEFAULT_TYPE;
}

/** Char code → true for the 64 characters of the standard base64 alphabet. */
const BASE64_ALPHABET = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
  BASE64_ALPHABET[c.charCodeAt(0)] = 1;
}

const WHITESPACE = /[\t\n\r ]/;
const ALL_WHITESPACE = /[\t\n\r ]+/g;

function base64Error(problem: string): HttpError {
  return new HttpError(400, `Cannot Base64 decode request data: ${problem}`);
}

/**
 * Decodes standard base64 (RFC 4648 §4) strictly: only the 64 alphabet
 * characters, `=` padding only at the end, a length (whitespace aside) that
 * is a multiple of 4. Spaces, tabs and line breaks are ignored, so wrapped
 * base64 (as `base64` prints it) is accepted. Anything else is a 400
 * `HttpError`; Node's own decoder would silently skip it.
 */
export function decodeBase64(text: string): Buffer {
  const clean = WHITESPACE.test(text) ? text.replace(ALL_WHITESPACE, '') : text;
  const length = clean.length;
  if (length % 4 !== 0) {
    return fail(base64Error(`its length (${length}, whitespace aside) is not a multiple of 4.`));
  }
  let padding = 0;
  if (length > 0 && clean.charCodeAt(length - 1) === 61) {
    padding = clean.charCodeAt(length - 2) === 61 ? 2 : 1;
  }
  for (let i = 0; i < length - padding; i++) {
    const code = clean.charCodeAt(i);
    if (code >= 128 || BASE64_ALPHABET[code] !== 1) {
      return fail(
        base64Error(
          code === 61
            ? `"=" padding at position ${i}, before the end.`
            : `character ${JSON.stringify(clean[i])} at position ${i} is not in the standard base64 alphabet.`,
        ),
      );
    }
  }
  return Buffer.from(clean, 'base64');
}

function fail(error: HttpError): never {
  throw error;
}

const NO_DATA = 'No "data" parameter present: send the page as "data" (and optionally its "type").';

/** The 400 for parameters without `data`. */
export function noDataError(): HttpError {
  return new HttpError(400, NO_DATA);
}

/** The 400 for a request without a body. */
export function emptyBodyError(): HttpError {
  return new HttpError(
    400,
    'Cannot load parameters from request: the body is empty (no "data" parameter present).',
  );
}

/** Decodes a form body (`data` percent-encoded) into a page. Throws a 400 `HttpError`. */
export function decodeFormPage(body: Uint8Array): CachedPage {
  const fields = formFields(body);
  const encoded = fields.get('data');
  if (encoded === undefined) {
    if (fields.size === 0)
      throw new HttpError(400, 'Cannot load parameters from request: the form has no fields.');
    throw noDataError();
  }
  const data = percentDecode(encoded);
  if (!data) {
    throw new HttpError(
      400,
      'Cannot URL decode request data: a "%" is not followed by two hexadecimal digits.',
    );
  }
  const encodedType = fields.get('type');
  let type: string | undefined;
  if (encodedType !== undefined) {
    const decoded = percentDecode(encodedType);
    if (!decoded) {
      throw new HttpError(
        400,
        'Cannot URL decode the "type" parameter: a "%" is not followed by two hexadecimal digits.',
      );
    }
    type = decoded.toString('latin1');
  }
  return { data, type: pageType(type) };
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes a JSON body (`{ "data": base64, "type"?: string }`) into a page. Throws a 400 `HttpError`. */
export function decodeJsonPage(body: Uint8Array): CachedPage {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw new HttpError(400, 'Cannot decode JSON: the body is not valid UTF-8.');
  }
  let params: unknown;
  try {
    params = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `Cannot decode JSON: ${(err as Error).message}`);
  }
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new HttpError(
      400,
      `Cannot load parameters from request: the JSON body must be an object like {"data": "Zm9v", "type": "text/plain"} (got ${
        params === null ? 'null' : Array.isArray(params) ? 'an array' : typeof params
      }).`,
    );
  }
  return jsonObjectPage(params as Record<string, unknown>);
}

/** A page from already-parsed JSON parameters (`data` base64, `type` optional). Throws a 400 `HttpError`. */
export function jsonObjectPage(params: Record<string, unknown>): CachedPage {
  if (!Object.prototype.hasOwnProperty.call(params, 'data')) throw noDataError();
  const { data, type } = params;
  if (typeof data !== 'string') {
    throw new HttpError(
      400,
      `Cannot Base64 decode request data: "data" must be a base64 string (got ${
        data === null ? 'null' : typeof data
      }).`,
    );
  }
  const hasType = Object.prototype.hasOwnProperty.call(params, 'type');
  if (hasType && type !== undefined && type !== null && typeof type !== 'string') {
    throw new HttpError(
      400,
      `The "type" parameter must be a string such as "text/html" (got ${typeof type}).`,
    );
  }
  return { data: decodeBase64(data), type: pageType(typeof type === 'string' ? type : undefined) };
}
