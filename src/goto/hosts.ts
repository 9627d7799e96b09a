// Pure helpers for goto(): the redirect host inferred from request headers, and host-name matching.
import type { IncomingHttpHeaders } from 'node:http';
import { hasControlCharacters } from '../http/location';
import type { RedirectBase } from './address';

/**
 * A `Referer` or `Origin` that can serve as a base: an optional `http:`/`https:`,
 * `//`, a host, then a path. The path stops at a `?` or `#`, so a referer's
 * query is not taken for a path.
 */
const REFERER = /^(https?:|)\/\/([^/?#]+)([^?#]*)/i;

/**
 * A host as it may appear in a URL, with an optional port: a bracketed IP
 * literal or an RFC 3986 reg-name (letters, digits, `-._~` and the
 * sub-delimiters). Whitespace, `/`, `\`, `@`, `%`, `?`, `#`, control and
 * non-ASCII characters are not part of it, so a header cannot smuggle a
 * different host, a path or a header break into the Location.
 */
const VALID_HOST = /^(?:\[[0-9a-f:.]+\]|[a-z0-9\-._~!$&'()*+,;=]+)(?::[0-9]{1,5})?$/i;

/** A bare IPv6 address (as `X-Forwarded-For` gives it), which needs brackets in a URL. */
const BARE_IPV6 = /^[0-9a-f]*:[0-9a-f]*:[0-9a-f:.]*$/i;

/** One `Forwarded` pair: `name=token` or `name="quoted string"`. */
const FORWARDED_PAIR =
  /^\s*([!#$%&'*+.^_`|~0-9a-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^";,\s]*))\s*/i;

/** The first value of a header (Node joins repeated headers; a few come as arrays). */
function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The first element of a comma-separated list, trimmed. */
function firstOfList(value: string): string {
  const comma = value.indexOf(',');
  return (comma === -1 ? value : value.slice(0, comma)).trim();
}

/** `http`/`https` (any case) as `'http:'`/`'https:'`; anything else gives `''` (scheme-relative). */
function protoOf(value: string | undefined): string {
  if (value === undefined) return '';
  const proto = firstOfList(value).toLowerCase().replace(/:$/, '');
  return proto === 'http' || proto === 'https' ? `${proto}:` : '';
}

/**
 * A host from a header made usable in a URL: trimmed, a bare IPv6 address
 * bracketed; `undefined` when it holds anything that is not part of a host
 * (see {@link isValidHost}).
 */
export function usableHost(value: string): string | undefined {
  let host = value.trim();
  if (BARE_IPV6.test(host)) host = `[${host}]`;
  return isValidHost(host) ? host : undefined;
}

/**
 * True when `host` is a host with an optional port and nothing else: no
 * whitespace, `/`, `\`, `@`, `%`, `?`, `#`, control or non-ASCII characters.
 */
export function isValidHost(host: string): boolean {
  return VALID_HOST.test(host);
}

/** The parameters of one `Forwarded` element, names lower-cased and quoted values unquoted. */
export type ForwardedElement = Record<string, string>;

/**
 * Parses the first element of a `Forwarded` header (RFC 7239):
 * `for=192.0.2.60;proto=http;by=203.0.113.43, for=198.51.100.17` gives
 * `{ for: '192.0.2.60', proto: 'http', by: '203.0.113.43' }`. Quoted values
 * are unquoted (`for="[2001:db8::17]:4711"` → `[2001:db8::17]:4711`). Parsing
 * stops at the first pair it cannot read; the first value of a repeated name
 * wins.
 */
export function parseForwarded(header: string): ForwardedElement {
  const element: ForwardedElement = {};
  let rest = header;
  for (;;) {
    const pair = FORWARDED_PAIR.exec(rest);
    if (!pair) break;
    const name = pair[1]!.toLowerCase();
    const value = pair[2] !== undefined ? pair[2].replace(/\\(.)/g, '$1') : pair[3]!;
    if (!(name in element)) element[name] = value;
    rest = rest.slice(pair[0].length);
    if (rest[0] !== ';') break;
    rest = rest.slice(1);
  }
  return element;
}

/**
 * A base from a `Referer` or `Origin` value, or `undefined` when it is not
 * `[http[s]:]//host[/path]` or holds a control character.
 */
function fromReferer(value: string | undefined): RedirectBase | undefined {
  // A tab is legal in a header value, but not in a URL.
  if (!value || hasControlCharacters(value)) return undefined;
  const match = REFERER.exec(value);
  if (!match) return undefined;
  const host = usableHost(match[2]!);
  if (host === undefined) return undefined;
  return { proto: match[1]!.toLowerCase(), host, prefix: match[3]! };
}

/** A base from `X-Forwarded-Host` or `X-Forwarded-For` (first of the list) and `X-Forwarded-Proto`. */
function fromForwardedFor(
  value: string | undefined,
  headers: IncomingHttpHeaders,
): RedirectBase | undefined {
  if (!value) return undefined;
  const host = usableHost(firstOfList(value));
  if (host === undefined) return undefined;
  return { proto: protoOf(headerValue(headers['x-forwarded-proto'])), host, prefix: '' };
}

/** A base from the first element of `Forwarded`: `host=`, else `for=` (not `unknown` or an obfuscated `_id`). */
function fromForwarded(value: string | undefined): RedirectBase | undefined {
  if (!value) return undefined;
  const element = parseForwarded(value);
  let candidate = element.host;
  if (candidate === undefined || candidate === '') {
    const node = element.for;
    if (node === undefined || node === '' || node === 'unknown' || node[0] === '_') {
      return undefined;
    }
    candidate = node;
  }
  const host = usableHost(candidate);
  if (host === undefined) return undefined;
  return { proto: protoOf(element.proto), host, prefix: '' };
}

/**
 * Where a goto address without a host is resolved, from the request headers,
 * trying in order `Referer`, `Origin` (each `[http[s]:]//host[/path]`; the
 * path is the prefix), `X-Forwarded-Host`, `X-Forwarded-For` (first of the
 * list; `X-Forwarded-Proto` as the scheme) and `Forwarded` (`host=`, else
 * `for=`; `proto=` as the scheme). A source that is missing, malformed or
 * whose host holds characters no host has is skipped. `undefined` when no
 * source gives a host.
 */
export function inferBase(headers: IncomingHttpHeaders): RedirectBase | undefined {
  return (
    fromReferer(headerValue(headers.referer)) ??
    fromReferer(headerValue(headers.origin)) ??
    fromForwardedFor(headerValue(headers['x-forwarded-host']), headers) ??
    fromForwardedFor(headerValue(headers['x-forwarded-for']), headers) ??
    fromForwarded(headerValue(headers.forwarded))
  );
}

/**
 * The host name a browser would go to for a Location (`//Foo.example:8080/x`
 * → `foo.example`): lower-case, without port or trailing dot, IPv6 in
 * brackets, internationalised names in punycode, parsed as browsers parse
 * it (so `//a\@b` goes to `a`). `undefined` when the Location is relative,
 * cannot be parsed as a URL or has no host.
 */
export function locationHostname(location: string): string | undefined {
  let url: URL;
  try {
    // A scheme-relative Location takes the page's scheme; either gives the same host.
    url = new URL(location.startsWith('//') ? `http:${location}` : location);
  } catch {
    return undefined;
  }
  const hostname = url.hostname.replace(/\.$/, '');
  return hostname === '' ? undefined : hostname;
}

/**
 * Normalises one `allowedHosts` entry (`Example.COM`, `*.example.com`,
 * `[::1]`) to lower case and punycode, the wildcard kept. `undefined` when it
 * is not a bare host name (a scheme, port, path, `@` or spaces in it).
 */
export function normalizeHostEntry(entry: string): string | undefined {
  const wildcard = entry.startsWith('*.');
  const name = wildcard ? entry.slice(2) : entry;
  if (name === '' || /[\s/\\@?#%*]/.test(name) || /:[0-9]*$/.test(name.replace(/^\[.*\]$/, ''))) {
    return undefined;
  }
  const hostname = locationHostname(`//${name}/`);
  if (hostname === undefined) return undefined;
  return wildcard ? `*.${hostname}` : hostname;
}

/**
 * A matcher for normalised `allowedHosts` entries: `example.com` matches
 * that name only, `*.example.com` any name below it (not `example.com`
 * itself). The host given must be normalised as {@link locationHostname}
 * gives it.
 */
export function hostMatcher(entries: readonly string[]): (hostname: string) => boolean {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const entry of entries) {
    if (entry.startsWith('*.')) suffixes.push(entry.slice(1));
    else exact.add(entry);
  }
  return function matchesAllowedHost(hostname: string): boolean {
    if (exact.has(hostname)) return true;
    for (const suffix of suffixes) {
      if (hostname.length > suffix.length && hostname.endsWith(suffix)) return true;
    }
    return false;
  };
}
