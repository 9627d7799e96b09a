// The access options of auth(): secrets and ordered rules, validated at construction time.
import { ConfigError } from '../shared/errors';
import { isPlainObject, show } from '../shared/options';
import { compileRules, type AccessRule, type CompiledRule } from './rules';
import { compileSecret, type Secret } from './secrets';

/** A secret that needs a session whose user has one of `roles`. */
export interface RoleSecret {
  /** The path, as for a plain secret (`'/admin'` anchored, `'admin'` anywhere). */
  path: string;
  /** Roles of which the user needs one; without, a logged-in user gets 403. */
  roles: readonly string[];
}

/** The options of `auth()` that say who may have what. */
export interface AccessOptions {
  /**
   * Paths that need a session: `'/topsecret'` (leading `/`) protects
   * `/topsecret/...` from the router's mount point; `'secret'` protects a
   * whole segment anywhere (`/secret/`, `/foo/secret/`); `{ path, roles }`
   * also needs a user with one of the roles (else 403). Matched on the
   * canonical path, case-insensitively. Defaults to `[]`.
   */
  secrets?: readonly (string | RoleSecret)[];
  /**
   * Ordered access rules, checked before `secrets`: the first whose pattern
   * matches the path decides (see `AccessRule`). Defaults to `[]`.
   */
  rules?: readonly AccessRule[];
}

/** {@link AccessOptions} after validation. */
export interface ParsedAccess {
  secrets: Secret[];
  rules: CompiledRule[];
}

const EXAMPLE = "auth({ secrets: ['secret', '/topsecret'] })";

function fail(problem: string, example = EXAMPLE, option?: string): never {
  throw new ConfigError('auth', problem, example, option);
}

/** Checks a list of role names (of a secret, a user), naming where it is. */
export function checkRoles(where: string, roles: unknown, option: string): string[] {
  if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string' && role !== '')) {
    fail(
      `${where}: "roles" must be an array of role names (got ${show(roles)}).`,
      "auth({ secrets: [{ path: '/admin', roles: ['admin'] }] })",
      option,
    );
  }
  return [...(roles as string[])];
}

function parseSecrets(value: unknown): Secret[] {
  if (!Array.isArray(value))
    fail(`"secrets" must be an array of paths (got ${show(value)}).`, undefined, 'secrets');
  return (value as unknown[]).map((entry) => {
    let secret: Secret | undefined;
    if (typeof entry === 'string') secret = compileSecret(entry);
    else if (isPlainObject(entry) && typeof entry.path === 'string') {
      for (const key of Object.keys(entry)) {
        if (key !== 'path' && key !== 'roles')
          fail(
            `secret ${show(entry.path)} has an unknown key "${key}" (keys: path, roles).`,
            EXAMPLE,
            'secrets',
          );
      }
      secret = compileSecret(
        entry.path,
        checkRoles(`secret ${show(entry.path)}`, entry.roles ?? [], 'secrets'),
      );
    }
    return (
      secret ??
      fail(
        `secret ${show(isPlainObject(entry) ? entry.path : entry)} must be a path such as "secret" or "/topsecret", or { path, roles }.`,
        EXAMPLE,
        'secrets',
      )
    );
  });
}

/** Validates the access options, throwing a `ConfigError` naming the problem. */
export function parseAccessOptions(options: Record<string, unknown>): ParsedAccess {
  return { secrets: parseSecrets(options.secrets ?? []), rules: compileRules(options.rules) };
}
