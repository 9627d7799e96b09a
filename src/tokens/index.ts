// Token mode: requests identified by a JWT access token (Authorization: Bearer), refused with RFC 6750's challenges.
import type { Request } from 'express';
import { HttpError } from '../shared/errors';
import type { Identification } from '../access';
import type { Session, UserStore } from '../types';
import { tokenEndpoints } from './endpoints';
import { verifyAccessToken, type VerifiedClaims } from './jwt';
import type { ParsedTokens } from './options';

export { MemoryRefreshTokenStore } from './memory-store';
export type { MemoryRefreshTokenStoreOptions } from './memory-store';
export { parseTokenOptions } from './options';
export { RedisRefreshTokenStore } from './redis-store';
export type { ParsedTokens, TokenOptions } from './options';

/** The access token of `Authorization: Bearer <token>`, or `undefined` without one. */
function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i.exec(header);
  return match ? match[1] : '';
}

/** A verified access token as the session `getSession(req)` gives in token mode. */
function tokenSession(claims: VerifiedClaims): Session {
  return {
    id: claims.id,
    createdAt: claims.issuedAt,
    expiresAt: claims.expiresAt,
    user: { username: claims.username, roles: [...claims.roles] },
  };
}

/**
 * Requests identified by an access token; a refused one gets a 401 whose
 * `WWW-Authenticate` says why (RFC 6750), a 403 `insufficient_scope`.
 */
export function bearerTokens(tokens: ParsedTokens, users: UserStore): Identification {
  /** Why the token a request carried was refused, for its 401's WWW-Authenticate. */
  const refusals = new WeakMap<Request, string>();
  const { endpoints, signIn } = tokenEndpoints(tokens, users);
  return {
    identify(req) {
      const token = bearerToken(req);
      if (token === undefined) return undefined;
      return verifyAccessToken(tokens.settings, token).then((claims) => {
        if (!('refused' in claims)) return tokenSession(claims);
        refusals.set(req, claims.refused);
        return undefined;
      });
    },
    deny(req, base, status) {
      const refused = refusals.get(req);
      const challenge =
        status === 403
          ? 'Bearer realm="mixnmatch", error="insufficient_scope"'
          : refused !== undefined
            ? `Bearer realm="mixnmatch", error="invalid_token", error_description="${refused.replace(/["\\]/g, '')}"`
            : 'Bearer realm="mixnmatch"';
      return new HttpError(
        status,
        status === 403
          ? 'Your user does not have a role this path needs.'
          : (refused ??
              `This path needs an access token: POST ${base}/login, then send Authorization: Bearer <access_token>.`),
        { headers: { 'WWW-Authenticate': challenge } },
      );
    },
    endpoints,
    signIn,
  };
}
