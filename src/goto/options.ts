// goto() options: the public GotoOptions type and its construction-time parsing.
import type { Request } from 'express';
import { ConfigError } from '../shared/errors';
import { optionsObject, show } from '../shared/options';
import { hostMatcher, normalizeHostEntry } from './hosts';

/**
 * Decides whether goto() may redirect to a host. `host` is the host name the
 * browser would go to: lower-case, without port, IPv6 in brackets,
 * internationalised names in punycode. Return (or resolve to) `true` to
 * allow; anything else refuses with 403.
 */
export type GotoHostPredicate = (host: string, req: Request) => boolean | Promise<boolean>;

/** Options for {@link goto}. */
export interface GotoOptions {
  /**
   * Turns the open redirector into a restricted one: the host names it may
   * redirect to (case-insensitive; `*.example.com` matches any name below
   * `example.com`, not `example.com` itself; the port is not compared), or a
   * {@link GotoHostPredicate}. A redirect to any other host, whether the
   * address named it or it came from a header, gets 403. Defaults to
   * `undefined` (any host).
   */
  allowedHosts?: readonly string[] | GotoHostPredicate;
}

/** goto()'s options after parsing: the host check, if any. */
export interface ParsedGotoOptions {
  /** Checks a normalised host name; `undefined` when every host is allowed. */
  readonly allowHost: GotoHostPredicate | undefined;
}

/** An `allowedHosts` option after parsing: the check, and the entries as given (none for a function). */
export interface ParsedAllowedHosts extends ParsedGotoOptions {
  readonly hosts: readonly string[] | undefined;
}

const KNOWN = ['allowedHosts'] as const;
const EXAMPLE = "goto({ allowedHosts: ['example.com'] })";

/**
 * Validates an `allowedHosts` option (goto()'s rule, shared by every router
 * that redirects): host names (exact, or `*.example.com` for the names below
 * it; case-insensitive, punycode) or a predicate. A problem is a
 * `ConfigError` from `feature`.
 */
export function parseAllowedHosts(
  feature: string,
  allowed: unknown,
  example: string,
): ParsedAllowedHosts {
  const fail = (problem: string, _example?: string, option?: string): never => {
    throw new ConfigError(feature, problem, example, option);
  };
  if (allowed === undefined) return { allowHost: undefined, hosts: undefined };
  if (typeof allowed === 'function') {
    return { allowHost: allowed as GotoHostPredicate, hosts: undefined };
  }
  if (!Array.isArray(allowed)) {
    return fail(
      `"allowedHosts" must be an array of host names or a function (got ${show(allowed)}).`,
      undefined,
      'allowedHosts',
    );
  }
  if (allowed.length === 0) {
    fail(
      `"allowedHosts" is empty, which would refuse every redirect: list at least one host name, or leave ${feature}() out.`,
      undefined,
      'allowedHosts',
    );
  }
  const entries: string[] = [];
  for (const entry of allowed as unknown[]) {
    if (typeof entry !== 'string') {
      return fail(
        `"allowedHosts" must hold host names as strings (got ${show(entry)}).`,
        undefined,
        'allowedHosts',
      );
    }
    const normalized = normalizeHostEntry(entry);
    if (normalized === undefined) {
      return fail(
        `"allowedHosts" entry ${show(entry)} is not a host name: give the name alone, without scheme, port or path ("example.com", "*.example.com", "[::1]").`,
        undefined,
        'allowedHosts',
      );
    }
    entries.push(normalized);
  }
  const matches = hostMatcher(entries);
  return { allowHost: (host) => matches(host), hosts: [...(allowed as string[])] };
}

/** Validates goto()'s options once, at construction; a problem is a `ConfigError` naming it. */
export function parseGotoOptions(opts: unknown): ParsedGotoOptions {
  const options = optionsObject('goto', opts, KNOWN, EXAMPLE);
  return { allowHost: parseAllowedHosts('goto', options.allowedHosts, EXAMPLE).allowHost };
}
