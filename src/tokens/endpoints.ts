// Token mode's endpoints: /login, /authtoken, /logout, /changepwd, /register answering JSON tokens, and the JWKS.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ARGS_ANY, type EndpointHandlers, type EndpointSpec } from '../endpoints/spec';
import { HttpError } from '../shared/errors';
import { sendBody } from '../http/respond';
import type { UserRecord, UserStore } from '../types';
import { checkNewCredentials, readCredentials, type PasswordWork } from '../accounts/credentials';
import type { ParsedTokens, RegisterPredicate } from '../auth/options';
import { newRefreshToken, REFRESH_TOKEN, refreshTokenDigest, signAccessToken } from './jwt';

/** What token mode's endpoints work with. */
export interface TokenContext {
  readonly tokens: ParsedTokens;
  readonly users: UserStore;
  readonly register: RegisterPredicate | undefined;
  readonly policy: { minLength: number; classes: number };
  readonly work: PasswordWork;
}

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
  return async function tokenEndpoint(req: Request, res: Response, next: NextFunction) {
    try {
      await handler(req, res);
    } catch (err) {
      if (!(err instanceof HttpError)) return next(err);
      for (const [name, value] of Object.entries(err.headers ?? {})) res.setHeader(name, value);
      sendJson(res, err.status, {
        error: ERROR_CODES[err.status] ?? 'invalid_request',
        error_description: err.message,
      });
    }
  };
}

/** Token mode's spec and handlers, built on the credential checks of credential mode. */
export function tokenEndpoints(context: TokenContext): {
  spec: Record<string, EndpointSpec[string]>;
  handlers: Record<string, EndpointHandlers[string]>;
} {
  const { tokens, users, policy } = context;
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
    login: { methods: ['POST'] },
    authtoken: { methods: ['POST'] },
    logout: { methods: ['POST'] },
    changepwd: { methods: ['POST'] },
    // Anything else under /.well-known/ falls through (to static files, say).
    '.well-known': { args: ARGS_ANY, children: { 'jwks.json': {} } },
  };
  const handlers: Record<string, EndpointHandlers[string]> = {
    login: jsonEndpoint(async (req, res) => {
      const { username, password } = await readCredentials(req, res, ['username', 'password']);
      const user = await context.work.authenticate(req, username, password);
      sendJson(res, 200, await issue(user));
    }),

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

    changepwd: jsonEndpoint(async (req, res) => {
      const fields = await readCredentials(req, res, ['username', 'password', 'new_password']);
      checkNewCredentials(undefined, fields.new_password, policy);
      await context.work.countAccountChange(req);
      const user = await context.work.authenticate(req, fields.username, fields.password);
      const passwordHash = await context.work.hash(fields.new_password);
      if (
        !(await users.update(user.username, { passwordHash }, { passwordHash: user.passwordHash }))
      ) {
        throw new HttpError(409, 'The password was changed meanwhile; log in with the new one.');
      }
      // Every refresh token of the user ends; this request gets new tokens.
      await store.revokeUser(user.username);
      sendJson(res, 200, await issue({ ...user, passwordHash }));
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

  if (context.register) {
    const register = context.register;
    spec.register = { methods: ['POST'] };
    handlers.register = jsonEndpoint(async (req, res) => {
      const { username, password } = await readCredentials(req, res, ['username', 'password']);
      checkNewCredentials(username, password, policy);
      if ((await register(req, username)) !== true) {
        throw new HttpError(403, 'Registration is not open to this user.');
      }
      await context.work.countAccountChange(req);
      const user = { username, passwordHash: await context.work.hash(password), roles: [] };
      if (!(await users.create(user))) throw new HttpError(400, 'That username is taken.');
      sendJson(res, 201, await issue(user));
    });
  }
  return { spec, handlers };
}
