// Pure helpers for goto(): the address a request names, and the Location built from it and a base.

/** An address that names its own host: `http://h/…`, `https://h/…` or `//h/…`. */
const HAS_HOST = /^(?:https?:)?\/\/[^/]/i;

/** Where a relative address is resolved: a scheme (`'https:'`, or `''`), a host and a path prefix. */
export interface RedirectBase {
  /** The scheme with its colon (`'http:'`), or `''` for a scheme-relative Location. */
  proto: string;
  /** The host, with its port when it has one (`example.com:8080`, `[::1]`). */
  host: string;
  /** The path a relative address is appended to (`/bar`), or `''`. */
  prefix: string;
}

/**
 * The address a goto request names, given its raw endpoint arguments (the
 * path after `/goto/`, decoded once, not canonicalised) and the request
 * target as sent (`req.originalUrl`).
 *
 * - Path form: the arguments, then the target's query exactly as sent:
 *   `/goto/http://x/y?a=1` → `http://x/y?a=1`.
 * - The original's query form, when there are no arguments and the query
 *   holds a `/`: `/goto?PARAMS/ADDRESS`, where `PARAMS` (no `/`; parameters
 *   for this server) is dropped and `ADDRESS` is percent-decoded once:
 *   `/goto?/http://x/y?a=1` → `http://x/y?a=1`, `/goto?//foo` → `/foo`.
 *
 * Returns `undefined` when the query form's percent-encoding is malformed.
 */
export function gotoAddress(args: string, target: string): string | undefined {
  const q = target.indexOf('?');
  if (q === -1) return args;
  const query = target.slice(q + 1);
  if (args === '') {
    const slash = query.indexOf('/');
    if (slash !== -1) {
      const address = query.slice(slash + 1);
      if (!address.includes('%')) return address;
      try {
        return decodeURIComponent(address);
      } catch {
        return undefined;
      }
    }
  }
  return `${args}?${query}`;
}

/** True when the address names its own host (`http://h/…`, `https://h/…`, `//h/…`), so it is used as it is. */
export function hasHost(address: string): boolean {
  return HAS_HOST.test(address);
}

/**
 * The Location for an address without a host, resolved against `base` as the
 * original did: an address starting with `/` replaces the base's path, any
 * other is appended to it with one `/` between. `foo` on `//foobar/bar` →
 * `//foobar/bar/foo`; `/foo` on the same → `//foobar/foo`.
 */
export function joinLocation(base: RedirectBase, address: string): string {
  let prefix = '';
  if (address[0] !== '/') prefix = base.prefix.endsWith('/') ? base.prefix : `${base.prefix}/`;
  return `${base.proto}//${base.host}${prefix}${address}`;
}
