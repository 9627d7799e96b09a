// Pure matching of request paths against secrets: '/x' anchored at the mount point, 'x' a whole segment anywhere; roles.
import { walkPath, type PathSemantics } from '../http/path';

/** A compiled secret. */
export interface Secret {
  /** The secret as configured. */
  readonly source: string;
  readonly anchored: boolean;
  /** Its segments, folded for comparison. */
  readonly segments: readonly string[];
  /** Roles of which a user needs one; empty when any session will do. */
  readonly roles: readonly string[];
}

/** Code points that file systems such as HFS+ ignore in a name. */
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/** True for a character that needs no folding: ASCII lowercase letters, digits, `-` and `_`. */
function plainCode(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f;
}

/**
 * Folds a path segment the way file systems that ignore case and Windows
 * compare names, so that every name they would open as a protected folder
 * compares equal to it:
 * - an NTFS stream suffix goes (`secret::$DATA`, `secret:x` → `secret`);
 * - trailing dots and spaces go, which Windows drops (`secret. ` → `secret`);
 * - Unicode case folding (lower, upper, lower again, so `ſ` U+017F and `K`
 *   U+212A fold to `s` and `k`, `ẞ` to `ss`) and NFC normalisation, which
 *   APFS applies (`é` composed or not);
 * - default-ignorable code points go (zero-width characters, bidi marks),
 *   which HFS+ ignores in names.
 * Linear in the segment's length.
 */
export function foldSegment(segment: string): string {
  const colon = segment.indexOf(':');
  let name = colon === -1 ? segment : segment.slice(0, colon);
  let plain = true;
  for (let i = 0; i < name.length && plain; i++) plain = plainCode(name.charCodeAt(i));
  if (!plain) name = name.replace(IGNORABLE, '');
  let end = name.length;
  while (end > 0) {
    const c = name.charCodeAt(end - 1);
    if (c !== 0x2e && c !== 0x20) break;
    end--;
  }
  if (end !== name.length) name = name.slice(0, end);
  if (plain) return name;
  return name.normalize('NFC').toLowerCase().toUpperCase().toLowerCase().normalize('NFC');
}

/**
 * A Windows 8.3 short name (`TOPSEC~1`, `TO1A2B~1.HTM`): up to 6 characters,
 * `~`, a number, and an extension of up to 3. Windows opens a long name by
 * such an alias, so a protected folder has one. Folded already.
 */
const SHORT_NAME = /^([^~.]{1,6})~[0-9]{1,6}(?:\.[^.]{0,3})?$/;

/**
 * True when a folded path segment is a short name that Windows could give
 * the folded secret segment: short names keep at least the name's first two
 * characters (spaces and dots dropped, characters that DOS names cannot hold
 * turned into `_`), whatever follows.
 */
function shortNameOf(segment: string, secret: string): boolean {
  const match = SHORT_NAME.exec(segment);
  if (!match) return false;
  const base = match[1]!;
  let stem = '';
  for (const c of secret) {
    if (c === '.' || c === ' ') continue;
    stem += c;
    if (stem.length === 2) break;
  }
  const length = Math.min(2, base.length, stem.length);
  if (length === 0) return false;
  for (let i = 0; i < length; i++) {
    if (base[i] !== '_' && base[i] !== stem[i]) return false;
  }
  return true;
}

function sameSegment(segment: string, secret: string): boolean {
  return segment === secret || (segment.includes('~') && shortNameOf(segment, secret));
}

/** Compiles a secret path: a leading `/` anchors it; its segments must be non-empty. */
export function compileSecret(source: string, roles: readonly string[] = []): Secret | undefined {
  const anchored = source.startsWith('/');
  const raw = source.split(/[/\\]/).filter(Boolean);
  if (raw.some((s) => s === '.' || s === '..')) return undefined;
  const segments = raw.map(foldSegment);
  if (segments.length === 0 || segments.some((s) => s === '')) return undefined;
  return { source, anchored, segments, roles: [...roles] };
}

/** A state of the walk: how deep it is, and whether its segments so far run through the mount point. */
interface WalkState {
  /** The folded segments up to here, innermost first (a persistent list). */
  readonly segment: string;
  readonly parent: WalkState | undefined;
  readonly depth: number;
  readonly inMount: boolean;
}

/** True when the last `count` segments of `state` are `segments`, in order. */
function endsWith(state: WalkState, segments: readonly string[]): boolean {
  let s: WalkState | undefined = state;
  for (let i = segments.length - 1; i >= 0; i--) {
    if (!s || !sameSegment(s.segment, segments[i]!)) return false;
    s = s.parent;
  }
  return true;
}

/** Adds to `found` the secrets that protect any place a walk of `path` passes through. */
function collect(
  secrets: readonly Secret[],
  path: string,
  mount: readonly string[],
  semantics: PathSemantics,
  found: Secret[],
): void {
  const m = mount.length;
  const root: WalkState = { segment: '', parent: undefined, depth: 0, inMount: true };
  walkPath<WalkState>(
    path,
    root,
    (parent, raw) => {
      const segment = foldSegment(raw);
      const depth = parent.depth + 1;
      const state: WalkState = {
        segment,
        parent: depth === 1 ? undefined : parent,
        depth,
        inMount: parent.inMount && (depth > m || segment === mount[depth - 1]),
      };
      if (!state.inMount || depth <= m) return state;
      const below = depth - m;
      for (const secret of secrets) {
        const length = secret.segments.length;
        if (secret.anchored ? length === below : length <= below) {
          if (!found.includes(secret) && endsWith(state, secret.segments)) found.push(secret);
        }
      }
      return state;
    },
    semantics,
  );
}

/**
 * True when no secret can match `path`: it is plain ASCII (no `%`-decoded
 * character beyond it, no `~` of a short name) and, lower-cased, holds no
 * secret's segments as text. Folding an ASCII segment only lower-cases and
 * trims it, so a segment that folds to a secret's holds its text. The walks
 * are then skipped: most requests name no secret.
 */
function cannotMatch(secrets: readonly Secret[], path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c > 0x7e || c === 0x7e) return false;
  }
  const lower = path.toLowerCase();
  return !secrets.some((secret) => secret.segments.every((segment) => lower.includes(segment)));
}

/** What {@link findSecrets} gives for an open path: one shared empty list. */
const NONE: readonly Secret[] = Object.freeze([]);

/** True when a path needs the Windows reading as well: a `\`, or a name Windows trims. */
function readsDifferentlyOnWindows(path: string): boolean {
  return path.includes('\\') || path.includes(' /') || path.includes('./') || path.endsWith(' ');
}

/**
 * The secrets that protect a decoded path, or any place it passes through on
 * its way (`/secret/../x` passes through `/secret`, where an endpoint taking
 * raw arguments would serve it). `mount` holds the folded segments of the
 * auth router's mount point: only places below it count, and an anchored
 * secret matches from there. Segments are compared folded (see
 * {@link foldSegment}), Windows short names included, and the path is read
 * both as POSIX and as Windows reads it (`\` a separator, `.. ` a parent).
 * Linear in the path's length.
 */
export function findSecrets(
  secrets: readonly Secret[],
  paths: readonly string[],
  mount: readonly string[] = [],
): readonly Secret[] {
  if (secrets.length === 0) return NONE;
  const found: Secret[] = [];
  for (const path of paths) {
    if (cannotMatch(secrets, path)) continue;
    collect(secrets, path, mount, 'posix', found);
    if (readsDifferentlyOnWindows(path)) collect(secrets, path, mount, 'windows', found);
  }
  return found.length === 0 ? NONE : found;
}

/** True when `roles` holds one role of each secret (or guard) that asks for roles. */
export function hasRoles(
  required: readonly { readonly roles: readonly string[] }[],
  roles: readonly string[] | undefined,
): boolean {
  return required.every(
    (secret) => secret.roles.length === 0 || secret.roles.some((role) => roles?.includes(role)),
  );
}
