// Pure path helpers shared by every feature: split a request target, percent-decode, canonicalise, re-encode and walk a path.

/** An absolute-form request target (`GET http://host/path HTTP/1.1`). */
const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

/**
 * Splits a request target into its path and its query (with the `?`).
 * An absolute-form target (`http://host/path?q`) gives its path; a target
 * with no path at all (`*`) gives `undefined`.
 */
export function splitTarget(target: string): { path: string; query: string } | undefined {
  const q = target.indexOf('?');
  let path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q);
  if (path[0] !== '/') {
    const origin = ABSOLUTE_FORM.exec(path);
    if (!origin) return undefined;
    path = path.slice(origin[0].length) || '/';
  }
  return { path, query };
}

/** Percent-decodes a path; `undefined` when the encoding is malformed or not UTF-8. */
export function decodePath(path: string): string | undefined {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

/**
 * Removes `.` and `..` segments and repeated slashes from a decoded path,
 * never climbing above `/`. A trailing slash is kept, and a path ending in a
 * dot segment gets one (`/a/b/..` → `/a/`, as RFC 3986 resolves it).
 */
export function canonicalizePath(decoded: string): string {
  const segments = decoded.split('/');
  const stack: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') stack.pop();
    else stack.push(segment);
  }
  if (stack.length === 0) return '/';
  const last = segments[segments.length - 1];
  const trailing = last === '' || last === '.' || last === '..';
  return '/' + stack.join('/') + (trailing ? '/' : '');
}

/**
 * True when the path of a request target (up to any `?`) is surely canonical
 * and needs no decoding: it starts with `/` and has no `%`, no `//` and no
 * `/.` (which every dot segment needs). The fast path for most requests.
 */
export function isPlainPath(target: string): boolean {
  if (target.charCodeAt(0) !== 0x2f) return false;
  const length = target.length;
  for (let i = 0; i < length; i++) {
    const c = target.charCodeAt(i);
    if (c === 0x3f) return true; // '?': the query is not the path's business
    if (c === 0x25) return false; // '%'
    if (c === 0x2f) {
      const n = target.charCodeAt(i + 1);
      if (n === 0x2f || n === 0x2e) return false; // '//' or '/.'
    }
  }
  return true;
}

/**
 * Percent-encodes a decoded path for a URL again, so that what reads it
 * decodes it exactly once: `%` → `%25`, `?` → `%3F`, `#` → `%23`, spaces
 * and non-ASCII characters as UTF-8; `/` and the other characters allowed in
 * a path stay as they are (`+` included).
 */
export function encodePath(decoded: string): string {
  return encodeURI(decoded).replace(/[?#]/g, (c) => (c === '?' ? '%3F' : '%23'));
}

/** Why a path cannot be served, or `undefined` when it can be decoded. */
export type PathProblem = 'malformed' | 'nul';

/**
 * Decodes and canonicalises a path. Returns the canonical decoded path, or a
 * problem: malformed percent-encoding (`/%E0%A4%A`) or a NUL byte.
 */
export function canonicalDecoded(path: string): string | PathProblem {
  const decoded = decodePath(path);
  if (decoded === undefined) return 'malformed';
  if (decoded.includes('\0')) return 'nul';
  return canonicalizePath(decoded);
}

/** How {@link walkPath} reads separators and dot segments. */
export type PathSemantics = 'posix' | 'windows';

/** What a dot segment does on a walk: nothing (`.`, empty), or go back one (`..`). */
function dotSegment(segment: string, semantics: PathSemantics): 'skip' | 'pop' | undefined {
  if (segment === '' || segment === '.') return 'skip';
  if (segment === '..') return 'pop';
  if (semantics === 'posix') return undefined;
  // Windows drops trailing spaces and dots from a name: `.. ` is `..`, `...` is `.`.
  let end = segment.length;
  while (end > 0 && segment.charCodeAt(end - 1) === 0x20) end--;
  if (end === 2 && segment.startsWith('..')) return 'pop';
  for (let i = 0; i < end; i++) {
    const c = segment.charCodeAt(i);
    if (c !== 0x2e && c !== 0x20) return undefined;
  }
  return 'skip';
}

/**
 * Walks a decoded path the way it resolves, one segment at a time: an empty
 * or `.` segment is skipped, `..` goes back to the state before the segment
 * it undoes (never above the start), and every other segment is handed to
 * `step` with the state it is pushed onto and the index just past it. `step`
 * returns the segment's state, or `undefined` to end the walk. With
 * `'windows'` semantics `\` separates segments too, and names that Windows
 * trims to a dot segment (`.. `, `...`) act as one. Linear in the path's
 * length, whatever it holds.
 */
export function walkPath<S>(
  path: string,
  initial: S,
  step: (parent: S, segment: string, end: number) => S | undefined,
  semantics: PathSemantics = 'posix',
): void {
  const stack: S[] = [];
  const windows = semantics === 'windows';
  const length = path.length;
  let start = 0;
  while (start <= length) {
    let end = start;
    while (end < length) {
      const c = path.charCodeAt(end);
      if (c === 0x2f || (windows && c === 0x5c)) break;
      end++;
    }
    const segment = path.slice(start, end);
    const dot = dotSegment(segment, semantics);
    if (dot === 'pop') stack.pop();
    else if (dot === undefined) {
      const state = step(stack.length ? stack[stack.length - 1]! : initial, segment, end);
      if (state === undefined) return;
      stack.push(state);
    }
    start = end + 1;
  }
}
