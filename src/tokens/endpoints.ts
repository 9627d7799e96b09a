// Token mode's endpoints: /authtoken, /logout and the JWKS, and how accounts' /login, /changepwd and /register answer with tokens.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ARGS_ANY, type EndpointHandlers, type EndpointSpec } from '../endpoints';
import { ANSWERS_ERRORS, HttpError } from '../shared/errors';
import { sendBody } from '../http/respond';
import type { UserRecord, UserStore } from '../types';
import { readCredentials } from '../accounts';
import type { Endpoints, SignIn } from '../access';
import type { ParsedTokens } from './options';
import { newRefreshToken, REFRESH_TOKEN, refreshTokenDigest, signAccessToken } from './jwt';

/** The OAuth 2.0 error code of each status a token endpoint answers with. */
const ERROR_CODES: Readonly<Record<number, string>> = {
  400: 'invalid_request',
  401: 'invalid_grant',
  403: 'access_denied',
  409: 'conflict',
  413: 'invalid_request',
  415: 'invalid_request',
  429: 'too_many_attempts',
  503: 'temporarily_unavailable',
};

/** Sends JSON that must not be cached (tokens, RFC 6749 §5.1). */
function sendJson(res: Response, status: number, value: unknown): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
  sendBody(
    res,
    status,
    'application/json; charset=utf-8',
    Buffer.from(JSON.stringify(value), 'utf8'),
  );
}

/**
 * A token endpoint's handler: any refusal is answered as JSON
 * (`{ "error", "error_description" }`, with the error's own headers such as
 * `Retry-After`), whatever the client accepts, as a token client expects.
 */
function jsonEndpoint(
  handler: (req: Request, res: Response) => Promise<void>,
): EndpointHandlers[string] {
  const refuse = (err: HttpError, res: Response) => {
    for (const [name, value] of Object.entries(err.headers ?? {})) res.setHeader(name, value);
    sendJson(res, err.status, {
      error: ERROR_CODES[err.status] ?? 'invalid_request',
      error_description: err.message,
    });
  };
  const tokenEndpoint = async function tokenEndpoint(
    req: Request,
    res: Response,
    next: NextFunction,
  ) {
    try {
      await handler(req, res);
    } catch (err) {
      if (!(err instanceof HttpError)) return next(err);
      refuse(err, res);
    }
  };
  // A method it does not take (GET /login) is answered as JSON too.
  return Object.assign(tokenEndpoint, {
    [ANSWERS_ERRORS]: (err: HttpError, _req: Request, res: Response) => refuse(err, res),
  });
}

/**
 * Token mode's own endpoints (`/authtoken`, `/logout`, the JWKS) and how
 * accounts sign a user in: with an access token and the first refresh
 * token of a new family, answered as JSON.
 */
export function tokenEndpoints(
  tokens: ParsedTokens,
  users: UserStore,
): { endpoints: Endpoints; signIn: SignIn } {
  const { settings, store, refreshTtl } = tokens;

  /** The answer carrying a new access token for `user` and the refresh token `refresh`. */
  const answer = async (user: UserRecord, refresh: string) => ({
    access_token: await signAccessToken(settings, {
      username: user.username,
      roles: [...user.roles],
    }),
    refresh_token: refresh,
    token_type: 'Bearer',
    expires_in: settings.accessTtl,
  });

  /** A login's tokens: an access token and the first refresh token of a new family. */
  const issue = async (user: UserRecord) => {
    const refresh = newRefreshToken();
    await store.add(refreshTokenDigest(refresh), {
      username: user.username,
      family: randomUUID(),
      expiresAt: Date.now() + refreshTtl * 1000,
    });
    return answer(user, refresh);
  };

  /** The refresh token a request sends (JSON or form), checked for its form. */
  const refreshTokenOf = async (req: Request, res: Response): Promise<string> => {
    const { refresh_token: token } = await readCredentials(req, res, ['refresh_token']);
    if (!REFRESH_TOKEN.test(token)) throw new HttpError(401, 'The refresh token is not valid.');
    return token;
  };

  const spec: Record<string, EndpointSpec[string]> = {
    authtoken: { methods: ['POST'] },
    logout: { methods: ['POST'] },
    // Anything else under /.well-known/ falls through (to static files, say).
    '.well-known': { args: ARGS_ANY, children: { 'jwks.json': {} } },
  };
  const handlers: Record<string, EndpointHandlers[string]> = {
    authtoken: jsonEndpoint(async (req, res) => {
      const spent = refreshTokenDigest(await refreshTokenOf(req, res));
      // The successor is kept in the same atomic call that spends the token:
      // a reuse seen at any later moment revokes it with its family.
      const refresh = newRefreshToken();
      const next = refreshTokenDigest(refresh);
      const used = await store.rotate(spent, {
        digest: next,
        expiresAt: Date.now() + refreshTtl * 1000,
      });
      if (used.status === 'reused') {
        throw new HttpError(
          401,
          'The refresh token was used before: every token of its login is revoked. Log in again.',
        );
      }
      if (used.status !== 'ok') throw new HttpError(401, 'The refresh token is not valid.');
      // Roles are read again: a refresh carries the user's roles as they are now.
      const user = await users.get(used.record.username);
      if (!user) {
        await store.revoke(next);
        throw new HttpError(401, 'The user of this refresh token is gone.');
      }
      sendJson(res, 200, await answer(user, refresh));
    }),

    logout: jsonEndpoint(async (req, res) => {
      const revoked = await store.revoke(refreshTokenDigest(await refreshTokenOf(req, res)));
      sendJson(res, 200, { revoked });
    }),

    '.well-known': (_req: Request, _res: Response, next: NextFunction) => next(),
    '.well-known/jwks.json': function jwks(_req: Request, res: Response, next: NextFunction) {
      const jwk = settings.key.publicJwk;
      // An HMAC secret is never published: there is nothing to fetch.
      if (jwk === undefined) {
        return next(
          new HttpError(404, 'Tokens are signed with a secret (HS256): there are no public keys.'),
        );
      }
      res.setHeader('Cache-Control', 'public, max-age=300');
      sendBody(
        res,
        200,
        'application/jwk-set+json',
        Buffer.from(JSON.stringify({ keys: [jwk] }), 'utf8'),
      );
    },
  };

  return {
    endpoints: { spec, handlers },
    signIn: {
      loginMethods: ['POST'],
      wrap: jsonEndpoint,
      prepare: () => async (res, user, status) => sendJson(res, status, await issue(user)),
      endAll: async (username) => {
        await store.revokeUser(username);
      },
    },
  };
}
