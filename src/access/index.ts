// Access control: who may have what. The guard auth() mounts, requireSession() for single routes, getSession() for handlers.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ConfigError } from '../shared/errors';
import { assertNotMiddlewareCall, optionsObject, show } from '../shared/options';
import type { Session } from '../types';
import { forbidden, unauthorized } from './identity';
import { recordedSession, refusalFor } from './record';
import { hasRoles } from './secrets';

export { accessGuard, PREFIX_WITHOUT_CANONICALIZE } from './guard';
export { checkAccess, hasAccessChecks, type AccessCheck } from './record';
export { checkRoles, parseAccessOptions } from './options';
export type { AccessOptions, ParsedAccess, RoleSecret } from './options';
export { forbidden, unauthorized } from './identity';
export type { Endpoints, Identification, SignIn } from './identity';
export type { AccessRule } from './rules';

/**
 * The mixnmatch session of a request: set by an `auth()` mounted before, for
 * a request that carries a valid session cookie; `undefined` without one
 * (or without `auth()`). mixnmatch never sets or reads `req.session`, so
 * express-session can live beside it.
 *
 * ```ts
 * app.get('/me', (req, res) => res.json(mixnmatch.getSession(req)?.user ?? null));
 * ```
 */
export function getSession(req: Request): Session | undefined {
  return recordedSession(req) ?? undefined;
}

/** Options for {@link requireSession}. */
export interface RequireSessionOptions {
  /** Roles of which the session's user needs one (403 otherwise). Defaults to none: any session will do. */
  roles?: readonly string[];
}

/**
 * A guard for single routes: passes requests with a valid session (as set
 * by an `auth()` mounted before it), answers others 401, and with `roles`
 * a user without one of them 403.
 *
 * ```ts
 * app.use(mixnmatch.auth());
 * app.get('/account', mixnmatch.requireSession(), (req, res) => res.send(getSession(req)!.id));
 * ```
 */
export function requireSession(opts?: RequireSessionOptions): RequestHandler {
  assertNotMiddlewareCall('requireSession', opts);
  const example = "requireSession({ roles: ['admin'] })";
  const options = optionsObject('requireSession', opts, ['roles'], example);
  const roles = options.roles ?? [];
  if (!Array.isArray(roles) || !roles.every((role) => typeof role === 'string' && role !== '')) {
    throw new ConfigError(
      'requireSession',
      `"roles" must be an array of role names (got ${show(roles)}).`,
      example,
      'roles',
    );
  }
  const needed = [{ roles: roles as string[] }];
  return function requireSessionMiddleware(req: Request, _res: Response, next: NextFunction) {
    const session = recordedSession(req);
    if (session === undefined) {
      return next(
        new Error(
          'requireSession() needs mixnmatch.auth() mounted before it; no auth() saw this request.',
        ),
      );
    }
    if (session === null) return next(refusalFor(req, unauthorized(req.baseUrl)));
    next(hasRoles(needed, session.user?.roles) ? undefined : forbidden());
  };
}
