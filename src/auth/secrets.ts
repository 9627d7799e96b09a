// Pure matching of canonical paths against secrets: '/x' anchored at the mount point, 'x' a whole segment anywhere; roles.

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

/**
 * Folds a path segment for comparison: lowercase (a case-insensitive file
 * system serves `/SeCrEt` from `secret/`), without trailing dots and spaces
 * (Windows serves `secret.` and `secret ` from `secret`).
 */
export function foldSegment(segment: string): string {
  return segment.toLowerCase().replace(/[. ]+$/, '');
}

/** Compiles a secret path: a leading `/` anchors it; its segments must be non-empty. */
export function compileSecret(source: string, roles: readonly string[] = []): Secret | undefined {
  const anchored = source.startsWith('/');
  const segments = source.split('/').filter(Boolean).map(foldSegment);
  if (segments.length === 0 || segments.some((s) => s === '' || s === '.' || s === '..')) {
    return undefined;
  }
  return { source, anchored, segments, roles: [...roles] };
}

/** True when a secret protects the path's segments (folded). */
function protects(secret: Secret, segments: readonly string[]): boolean {
  const last = secret.anchored ? 0 : segments.length - secret.segments.length;
  for (let start = 0; start <= last; start++) {
    if (secret.segments.every((s, i) => segments[start + i] === s)) return true;
  }
  return false;
}

/**
 * The secrets that protect a canonical decoded path (relative to the auth
 * router's mount point); empty when it is open. An anchored secret matches
 * the path's first segments; another matches consecutive whole segments
 * anywhere.
 */
export function findSecrets(secrets: readonly Secret[], path: string): Secret[] {
  if (secrets.length === 0) return [];
  const segments = path.split('/').filter(Boolean).map(foldSegment);
  return secrets.filter((secret) => protects(secret, segments));
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
