// Pure matching of canonical paths against secrets: '/x' anchored at the mount point, 'x' a whole segment anywhere.

/** A compiled secret. */
export interface Secret {
  /** The secret as configured. */
  readonly source: string;
  readonly anchored: boolean;
  /** Its segments, folded for comparison. */
  readonly segments: readonly string[];
}

/**
 * Folds a path segment for comparison: lowercase (a case-insensitive file
 * system serves `/SeCrEt` from `secret/`), without trailing dots and spaces
 * (Windows serves `secret.` and `secret ` from `secret`).
 */
export function foldSegment(segment: string): string {
  return segment.toLowerCase().replace(/[. ]+$/, '');
}

/** Compiles a secret path: a leading `/` anchors it; its segments must be non-empty. */
export function compileSecret(source: string): Secret | undefined {
  const anchored = source.startsWith('/');
  const segments = source.split('/').filter(Boolean).map(foldSegment);
  if (segments.length === 0 || segments.some((s) => s === '' || s === '.' || s === '..'))
    return undefined;
  return { source, anchored, segments };
}

/**
 * The first secret that protects a canonical decoded path (relative to the
 * auth router's mount point), or `undefined`. An anchored secret matches
 * the path's first segments; another matches consecutive whole segments
 * anywhere.
 */
export function findSecret(secrets: readonly Secret[], path: string): Secret | undefined {
  if (secrets.length === 0) return undefined;
  const segments = path.split('/').filter(Boolean).map(foldSegment);
  for (const secret of secrets) {
    const last = secret.anchored ? 0 : segments.length - secret.segments.length;
    for (let start = 0; start <= last; start++) {
      if (secret.segments.every((s, i) => segments[start + i] === s)) return secret;
    }
  }
  return undefined;
}
