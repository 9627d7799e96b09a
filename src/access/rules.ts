// Ordered access rules: a path pattern (and methods) and who may have it (users, roles, exclusions of users and roles); the first rule that matches decides.
import { setFlagsFromString } from 'node:v8';
import { ConfigError } from '../shared/errors';
import { isPlainObject, show } from '../shared/options';
import { caseInsensitiveSource } from './pattern-case';

/** One access rule, as `auth({ rules })` and the command's config file take it. */
export interface AccessRule {
  /** A regular expression (its source) matched against the path below the mount point: `'^/admin/'`. */
  pattern: string;
  /** Users who may have what it matches. */
  users?: readonly string[];
  /** Roles of which a user needs one. */
  roles?: readonly string[];
  /** Users refused even when `users` or `roles` would let them in. */
  except?: readonly string[];
  /** Roles refused even when `users` or `roles` would let them in: a user with one of them gets 403 (the original's `!#role`). */
  exceptRoles?: readonly string[];
  /**
   * The methods the rule covers (`GET` covers `HEAD` too, as Express's
   * routes do); a request with another method skips it, and the next rule
   * decides. Defaults to every method.
   */
  methods?: readonly string[];
  /** Anyone may have it, logged in or not (to carve a public path out of a later, broader rule). Defaults to `false`. */
  public?: boolean;
  /**
   * Match letters in their case only (`true`) or in either case (`false`).
   * Defaults to what the app's router does: either case, unless the app
   * has `case sensitive routing` on.
   */
  caseSensitive?: boolean;
}

/** A rule after checking, its pattern compiled once. */
export interface CompiledRule {
  readonly source: string;
  /** The pattern as written. */
  readonly regex: RegExp;
  /** The pattern matching ASCII letters in either case. */
  readonly folded: RegExp;
  /** The rule's own `caseSensitive`, when it has one. */
  readonly caseSensitive: boolean | undefined;
  readonly users: ReadonlySet<string>;
  readonly roles: readonly string[];
  readonly except: ReadonlySet<string>;
  readonly exceptRoles: readonly string[];
  /** The methods it covers, or `undefined` for every one. */
  readonly methods: ReadonlySet<string> | undefined;
  readonly public: boolean;
}

/** Who asks: the user of the session or token, when there is one. */
export interface Identity {
  readonly username: string | undefined;
  readonly roles: readonly string[];
}

const EXAMPLE =
  "auth({ users, rules: [{ pattern: '^/admin/', roles: ['ops'], except: ['mallory'] }] })";

const KEYS = [
  'pattern',
  'methods',
  'users',
  'roles',
  'except',
  'exceptRoles',
  'public',
  'caseSensitive',
];

let linearEngine = false;

/**
 * Whether `source` has a lookbehind (`(?<=` or `(?<!`) outside a character
 * class. V8's linear engine takes lookbehinds from Node 22 on but refuses
 * them on Node 20; refusing them everywhere keeps a rule list meaning the
 * same thing on every Node version.
 */
function hasLookbehind(source: string): boolean {
  let inClass = false;
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i];
    if (char === '\\') i += 1;
    else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === '(' && (source.startsWith('?<=', i + 1) || source.startsWith('?<!', i + 1))) {
      return true;
    }
  }
  return false;
}

/**
 * V8's linear-time regular-expression engine (the `l` flag), which runs in
 * time linear in the input whatever the pattern, and refuses what it cannot
 * so run (backreferences, lookarounds; lookbehinds are refused here, see
 * `hasLookbehind`). Turned on once, when a rule needs it.
 */
function linear(source: string): RegExp {
  if (hasLookbehind(source)) {
    throw new SyntaxError('a lookbehind cannot be matched in linear time on every Node version');
  }
  if (!linearEngine) {
    setFlagsFromString('--enable-experimental-regexp-engine');
    linearEngine = true;
  }
  // eslint-disable-next-line no-invalid-regexp -- 'l' is V8's linear engine, on from the line above
  return new RegExp(source, 'l');
}

function names(where: string, key: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    throw new ConfigError(
      'auth',
      `${where}: "${key}" must be an array of names (got ${show(value)}).`,
      EXAMPLE,
      'rules',
    );
  }
  return [...(value as string[])];
}

/**
 * Checks and compiles the rules, once. A pattern that is not a regular
 * expression, or that cannot be matched in linear time, is a `ConfigError`
 * naming the rule: a rule runs on every request's path, so one that can
 * backtrack catastrophically would let a long path stall the server.
 */
export function compileRules(value: unknown): CompiledRule[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new ConfigError(
      'auth',
      `"rules" must be an array of rules (got ${show(value)}).`,
      EXAMPLE,
      'rules',
    );
  }
  return value.map((rule: unknown, index) => {
    const where = `rule ${index + 1}`;
    if (!isPlainObject(rule) || typeof rule.pattern !== 'string' || rule.pattern === '') {
      throw new ConfigError(
        'auth',
        `${where} must be { pattern, methods?, users?, roles?, except?, exceptRoles?, public?, caseSensitive? } (got ${show(rule)}).`,
        EXAMPLE,
        'rules',
      );
    }
    for (const key of Object.keys(rule)) {
      if (!KEYS.includes(key)) {
        throw new ConfigError(
          'auth',
          `${where} has an unknown key "${key}" (keys: ${KEYS.join(', ')}).`,
          EXAMPLE,
          'rules',
        );
      }
    }
    for (const key of ['public', 'caseSensitive'] as const) {
      if (rule[key] !== undefined && typeof rule[key] !== 'boolean') {
        throw new ConfigError(
          'auth',
          `${where}: "${key}" must be true or false.`,
          EXAMPLE,
          'rules',
        );
      }
    }
    let regex: RegExp;
    let folded: RegExp;
    try {
      regex = linear(rule.pattern);
      folded = linear(caseInsensitiveSource(rule.pattern));
    } catch (err) {
      const message = (err as Error).message;
      throw new ConfigError(
        'auth',
        /linear time/.test(message)
          ? `${where}: the pattern ${show(rule.pattern)} cannot be matched in linear time (backreferences and lookarounds are refused, so a path cannot make it backtrack).`
          : `${where}: the pattern ${show(rule.pattern)} is not a regular expression (${message}).`,
        EXAMPLE,
        'rules',
      );
    }
    let methods: Set<string> | undefined;
    if (rule.methods !== undefined) {
      const listed = names(where, 'methods', rule.methods);
      if (listed.length === 0 || !listed.every((m) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(m))) {
        throw new ConfigError(
          'auth',
          `${where}: "methods" must be a non-empty array of HTTP methods (got ${show(rule.methods)}).`,
          EXAMPLE,
          'rules',
        );
      }
      methods = new Set(listed.map((m) => m.toUpperCase()));
      // A HEAD is a GET without the body: a rule on GET guards both.
      if (methods.has('GET')) methods.add('HEAD');
    }
    return {
      source: rule.pattern,
      regex,
      folded,
      caseSensitive: rule.caseSensitive as boolean | undefined,
      users: new Set(names(where, 'users', rule.users)),
      roles: names(where, 'roles', rule.roles),
      except: new Set(names(where, 'except', rule.except)),
      exceptRoles: names(where, 'exceptRoles', rule.exceptRoles),
      methods,
      public: rule.public === true,
    };
  });
}

/** What the first rule matching a path says: allow, 401 (log in), 403 (not you), or `undefined` when none matches. */
export type RuleDecision = 'allow' | 401 | 403 | undefined;

/**
 * Decides with the first rule that covers `method` and whose pattern
 * matches `path`. In this order: a public rule lets anyone in; a request
 * without a user gets 401; a user in `except`, or with a role in
 * `exceptRoles`, 403; a rule with neither `users` nor `roles` lets every
 * other user in; else a user listed in `users` or holding one of `roles`
 * is let in, and any other gets 403. A rule without its own
 * `caseSensitive` matches letters in their case only when `caseSensitive`
 * (the app's routing) says so.
 */
export function decideRules(
  rules: readonly CompiledRule[],
  path: string,
  identity: Identity | undefined,
  caseSensitive: boolean,
  method: string,
): RuleDecision {
  const rule = rules.find(
    (r) =>
      (r.methods === undefined || r.methods.has(method)) &&
      ((r.caseSensitive ?? caseSensitive) ? r.regex : r.folded).test(path),
  );
  if (!rule) return undefined;
  if (rule.public) return 'allow';
  if (identity === undefined) return 401;
  const { username } = identity;
  if (username !== undefined && rule.except.has(username)) return 403;
  if (rule.exceptRoles.some((role) => identity.roles.includes(role))) return 403;
  if (rule.users.size === 0 && rule.roles.length === 0) return 'allow';
  if (username !== undefined && rule.users.has(username)) return 'allow';
  return rule.roles.some((role) => identity.roles.includes(role)) ? 'allow' : 403;
}
