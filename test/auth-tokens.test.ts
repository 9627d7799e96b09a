// Token mode of auth(): JWT access tokens, rotating refresh tokens, the JWKS, with real tokens forged every way.
import { createHmac, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import express from 'express';
import {
  SignJWT,
  createLocalJWKSet,
  exportJWK,
  jwtVerify,
  decodeProtectedHeader,
  decodeJwt,
} from 'jose';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { refreshTokenStoreContract } from 'mixnmatch/testing';
import { raceRefresh, fakeClock } from './helpers';

const FAST = { cost: 1024 } as const;
const SECRET = randomBytes(32);

function pem(type: 'ec' | 'rsa' | 'ed25519'): {
  privateKey: KeyObject;
  publicKey: KeyObject;
  pem: string;
} {
  const options =
    type === 'ec' ? { namedCurve: 'P-256' } : type === 'rsa' ? { modulusLength: 2048 } : {};
  const { privateKey, publicKey } = generateKeyPairSync(
    type as 'ec',
    options as { namedCurve: string },
  ) as unknown as { privateKey: KeyObject; publicKey: KeyObject };
  return {
    privateKey,
    publicKey,
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  };
}

const users = [
  { username: 'alice', password: 'wonderland1', roles: ['admin'] },
  { username: 'bob', password: 'builder123' },
];

function app(tokens: mixnmatch.TokenOptions, extra: Partial<mixnmatch.AuthOptions> = {}) {
  const server = express();
  server.use(mixnmatch.canonicalize());
  server.use(
    mixnmatch.auth({
      secrets: ['secret', { path: '/admin', roles: ['admin'] }],
      users,
      scrypt: FAST,
      lockout: { attempts: 5 },
      tokens,
      ...extra,
    }),
  );
  server.get('/{*rest}', (req, res) => {
    res.json({ path: req.path, user: mixnmatch.getSession(req)?.user?.username ?? null });
  });
  server.use(mixnmatch.errorHandler({ log: false }));
  return server;
}

async function login(server: express.Express, username = 'alice', password = 'wonderland1') {
  const res = await request(server).post('/login').send({ username, password });
  expect(res.status).toBe(200);
  return res.body as {
    access_token: string;
    refresh_token: string;
    token_type: string;
    expires_in: number;
  };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('auth() token mode', () => {
  describe('with an HS256 secret', () => {
    const server = app({ key: SECRET });

    it('logs in with JSON or a form: tokens in JSON, no cookie, not cached', async () => {
      for (const send of [
        (r: request.Test) => r.send({ username: 'alice', password: 'wonderland1' }),
        (r: request.Test) => r.type('form').send({ username: 'alice', password: 'wonderland1' }),
      ]) {
        const res = await send(request(server).post('/login'));
        expect(res.status).toBe(200);
        expect(res.headers['set-cookie']).toBeUndefined();
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.body).toEqual({
          access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
          refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
          token_type: 'Bearer',
          expires_in: 900,
        });
      }
    });

    it('signs access tokens with sub, iat, nbf, exp, jti, roles and a kid, HS256 only', async () => {
      const { access_token } = await login(server);
      const header = decodeProtectedHeader(access_token);
      expect(header).toMatchObject({ alg: 'HS256', typ: 'JWT', kid: expect.any(String) });
      const claims = decodeJwt(access_token);
      expect(claims).toMatchObject({ sub: 'alice', roles: ['admin'], jti: expect.any(String) });
      expect(claims.exp! - claims.iat!).toBe(900);
      expect(claims.nbf).toBe(claims.iat);
      await expect(
        jwtVerify(access_token, SECRET, { algorithms: ['HS256'] }),
      ).resolves.toBeDefined();
    });

    it('answers a wrong password with 401 and a JSON error', async () => {
      const res = await request(server)
        .post('/login')
        .set('Accept', 'text/html')
        .send({ username: 'alice', password: 'nope-nope' });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({
        error: 'invalid_grant',
        error_description: 'Wrong username or password.',
      });
    });

    it('answers a method its endpoints do not take (GET /login) with 405 as JSON too, with Allow', async () => {
      for (const target of ['/login', '/authtoken', '/logout']) {
        const res = await request(server).get(target).set('Accept', 'text/html');
        expect(res.status).toBe(405);
        expect(res.headers.allow).toMatch(/^POST/);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.body).toEqual({
          error: 'invalid_request',
          error_description: expect.stringContaining('POST'),
        });
      }
    });

    it('takes Authorization: Bearer on protected paths; 401 with WWW-Authenticate without one', async () => {
      const { access_token } = await login(server, 'bob', 'builder123');
      const ok = await request(server).get('/secret/x').set(bearer(access_token));
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ path: '/secret/x', user: 'bob' });
      const none = await request(server).get('/secret/x');
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="mixnmatch"');
      expect((await request(server).get('/public')).status).toBe(200);
    });

    it('answers 403 with insufficient_scope for a user without the role', async () => {
      const bob = await login(server, 'bob', 'builder123');
      const res = await request(server).get('/admin/x').set(bearer(bob.access_token));
      expect(res.status).toBe(403);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="mixnmatch", error="insufficient_scope"',
      );
      const alice = await login(server);
      expect((await request(server).get('/admin/x').set(bearer(alice.access_token))).status).toBe(
        200,
      );
    });

    describe('refuses every forged token with 401 and error="invalid_token"', () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { sub: 'alice', roles: ['admin'] };
      const forged: [string, () => Promise<string>][] = [
        [
          'signed with another secret',
          () =>
            new SignJWT(claims)
              .setProtectedHeader({ alg: 'HS256' })
              .setIssuedAt()
              .setExpirationTime('5m')
              .sign(randomBytes(32)),
        ],
        [
          'expired',
          () =>
            new SignJWT(claims)
              .setProtectedHeader({ alg: 'HS256' })
              .setIssuedAt(now - 1000)
              .setExpirationTime(now - 10)
              .sign(SECRET),
        ],
        [
          'not yet valid',
          () =>
            new SignJWT(claims)
              .setProtectedHeader({ alg: 'HS256' })
              .setIssuedAt()
              .setNotBefore(now + 600)
              .setExpirationTime(now + 900)
              .sign(SECRET),
        ],
        [
          'without an expiry',
          () => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(SECRET),
        ],
        [
          'alg none',
          async () => {
            const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
            return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, iat: now, exp: now + 600 })}.`;
          },
        ],
        [
          'tampered (roles changed after signing)',
          async () => {
            const { access_token } = await login(server, 'bob', 'builder123');
            const [head, , sig] = access_token.split('.');
            const body = Buffer.from(
              JSON.stringify({ ...decodeJwt(access_token), roles: ['admin'] }),
            ).toString('base64url');
            return `${head}.${body}.${sig}`;
          },
        ],
        [
          'HS512 with the right secret (another algorithm)',
          () =>
            new SignJWT(claims)
              .setProtectedHeader({ alg: 'HS512' })
              .setIssuedAt()
              .setExpirationTime('5m')
              .sign(Buffer.concat([SECRET, SECRET])),
        ],
        ['garbage', async () => 'not.a.token'],
      ];

      it.each(forged)('%s', async (_name, make) => {
        const res = await request(server)
          .get('/secret/x')
          .set(bearer(await make()));
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(
          /^Bearer realm="mixnmatch", error="invalid_token", error_description="[^"]+"$/,
        );
      });
    });

    it('rotates refresh tokens, and a reused one revokes its whole family', async () => {
      const first = await login(server);
      const rotated = await request(server)
        .post('/authtoken')
        .send({ refresh_token: first.refresh_token });
      expect(rotated.status).toBe(200);
      expect(rotated.body.refresh_token).not.toBe(first.refresh_token);
      expect(
        (await request(server).get('/admin/').set(bearer(rotated.body.access_token))).status,
      ).toBe(200);
      // The old one again: someone replays a stolen copy. Everything from that login ends.
      const replay = await request(server)
        .post('/authtoken')
        .type('form')
        .send({ refresh_token: first.refresh_token });
      expect(replay.status).toBe(401);
      expect(replay.body.error).toBe('invalid_grant');
      const next = await request(server)
        .post('/authtoken')
        .send({ refresh_token: rotated.body.refresh_token });
      expect(next.status).toBe(401);
      // Another login of the same user is not touched.
      const other = await login(server);
      expect(
        (await request(server).post('/authtoken').send({ refresh_token: other.refresh_token }))
          .status,
      ).toBe(200);
    });

    it('rotates a refresh token once, whatever the number of parallel uses', async () => {
      const { refresh_token } = await login(server);
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          request(server).post('/authtoken').send({ refresh_token }),
        ),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    });

    it('revokes a refresh token at /logout', async () => {
      const { refresh_token } = await login(server);
      const out = await request(server).post('/logout').send({ refresh_token });
      expect(out.status).toBe(200);
      expect(out.body).toEqual({ revoked: true });
      expect((await request(server).post('/authtoken').send({ refresh_token })).status).toBe(401);
      expect((await request(server).post('/logout').send({ refresh_token })).body).toEqual({
        revoked: false,
      });
    });

    it('refuses refresh tokens of the wrong form, and bodies that are not forms or JSON', async () => {
      expect((await request(server).post('/authtoken').send({ refresh_token: 'x' })).status).toBe(
        401,
      );
      expect((await request(server).post('/authtoken').send({})).status).toBe(400);
      const xml = await request(server)
        .post('/authtoken')
        .set('Content-Type', 'text/xml')
        .send('<a/>');
      expect(xml.status).toBe(415);
      expect(xml.body.error).toBe('invalid_request');
    });

    it('has no JWKS for a secret', async () => {
      expect((await request(server).get('/.well-known/jwks.json')).status).toBe(404);
    });
  });

  describe('/changepwd', () => {
    it("revokes the user's refresh tokens and answers new ones", async () => {
      const server = app({ key: SECRET }, { users: [{ username: 'cy', password: 'cy-password' }] });
      const before = await login(server, 'cy', 'cy-password');
      const res = await request(server)
        .post('/changepwd')
        .send({ username: 'cy', password: 'cy-password', new_password: 'cy-new-password' });
      expect(res.status).toBe(200);
      expect(res.body.token_type).toBe('Bearer');
      expect(
        (await request(server).post('/authtoken').send({ refresh_token: before.refresh_token }))
          .status,
      ).toBe(401);
      expect(
        (await request(server).post('/authtoken').send({ refresh_token: res.body.refresh_token }))
          .status,
      ).toBe(200);
      expect(
        (await request(server).post('/login').send({ username: 'cy', password: 'cy-new-password' }))
          .status,
      ).toBe(200);
    });
  });

  describe.each([
    ['ES256', 'ec'],
    ['RS256', 'rsa'],
    ['EdDSA', 'ed25519'],
  ] as const)('with an %s private key', (alg, type) => {
    const key = pem(type);
    const server = app({ key: key.pem, issuer: 'https://issuer.test', audience: 'api' });

    it('signs with it, and publishes only its public key at /.well-known/jwks.json', async () => {
      const { access_token } = await login(server);
      const jwks = await request(server).get('/.well-known/jwks.json');
      expect(jwks.status).toBe(200);
      expect(jwks.headers['content-type']).toMatch(/^application\/jwk-set\+json/);
      const [jwk] = jwks.body.keys as Record<string, unknown>[];
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'])
        expect(jwk).not.toHaveProperty(secret);
      expect(jwk).toMatchObject({ alg, use: 'sig', kid: decodeProtectedHeader(access_token).kid });
      // A client verifies the command's tokens through the JWKS.
      const { payload } = await jwtVerify(access_token, createLocalJWKSet(jwks.body), {
        issuer: 'https://issuer.test',
        audience: 'api',
      });
      expect(payload.sub).toBe('alice');
    });

    it('accepts a token a client signs with the same key', async () => {
      const token = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg })
        .setSubject('alice')
        .setIssuedAt()
        .setExpirationTime('5m')
        .setIssuer('https://issuer.test')
        .setAudience('api')
        .sign(key.privateKey);
      expect((await request(server).get('/admin/').set(bearer(token))).status).toBe(200);
    });

    it.each<[string, { audience?: string; issuer?: string }]>([
      ['the wrong audience', { audience: 'other' }],
      ['the wrong issuer', { issuer: 'https://evil.test' }],
    ])('refuses a token for %s', async (_what, claim) => {
      const jwt = new SignJWT({ roles: [] })
        .setProtectedHeader({ alg })
        .setSubject('alice')
        .setIssuedAt()
        .setExpirationTime('5m');
      jwt.setIssuer(claim.issuer ?? 'https://issuer.test').setAudience(claim.audience ?? 'api');
      expect(
        (
          await request(server)
            .get('/secret/')
            .set(bearer(await jwt.sign(key.privateKey)))
        ).status,
      ).toBe(401);
    });

    it('refuses an HS256 token keyed with its own public key (algorithm confusion)', async () => {
      const publicPem = key.publicKey.export({ format: 'pem', type: 'spki' }) as string;
      const token = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('alice')
        .setIssuedAt()
        .setExpirationTime('5m')
        .setIssuer('https://issuer.test')
        .setAudience('api')
        .sign(Buffer.from(publicPem));
      expect((await request(server).get('/admin/').set(bearer(token))).status).toBe(401);
    });

    it('trusts no key a token names itself (jwk, jku, kid)', async () => {
      const attacker = pem(type);
      const token = await new SignJWT({ roles: ['admin'] })
        .setProtectedHeader({
          alg,
          kid: (await exportJWK(attacker.publicKey)).kid ?? 'attacker',
          jwk: await exportJWK(attacker.publicKey),
          jku: 'https://evil.test/jwks.json',
        } as never)
        .setSubject('alice')
        .setIssuedAt()
        .setExpirationTime('5m')
        .setIssuer('https://issuer.test')
        .setAudience('api')
        .sign(attacker.privateKey);
      expect((await request(server).get('/admin/').set(bearer(token))).status).toBe(401);
    });
  });

  describe('options', () => {
    it.each<[string, unknown, RegExp]>([
      [
        'a short secret',
        { key: 'short' },
        /"tokens.key" is a secret of 5 bytes: HS256 needs 32 or more/,
      ],
      [
        'a public key',
        {
          key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
            format: 'pem',
            type: 'spki',
          }),
        },
        /a public key cannot sign/,
      ],
      [
        'an EC key on P-384',
        {
          key: pem('ec').pem.replace(
            /[\s\S]*/,
            () =>
              generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({
                format: 'pem',
                type: 'pkcs8',
              }) as string,
          ),
        },
        /ES256 needs P-256/,
      ],
      [
        'a 1024-bit RSA key',
        {
          key: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
            format: 'pem',
            type: 'pkcs8',
          }),
        },
        /RS256 here needs 2048 or more/,
      ],
      ['no key', {}, /"tokens.key" is required/],
    ])('refuses %s', (_name, tokens, message) => {
      expect(() => mixnmatch.auth({ users, tokens: tokens as mixnmatch.TokenOptions })).toThrow(
        message,
      );
    });

    it('needs users', () => {
      expect(() => mixnmatch.auth({ tokens: { key: SECRET } })).toThrow(
        /"tokens" is for credential mode/,
      );
    });

    it('takes the lifetimes in seconds', async () => {
      const server = app({ key: SECRET, accessTtl: 60, refreshTtl: 120 });
      const { access_token, expires_in } = await login(server);
      expect(expires_in).toBe(60);
      const claims = decodeJwt(access_token);
      expect(claims.exp! - claims.iat!).toBe(60);
    });

    it('verifies HMAC keys by their bytes: the same secret as a string works', async () => {
      const text = 'a'.repeat(40);
      const server = app({ key: text });
      const { access_token } = await login(server);
      expect(
        createHmac('sha256', text)
          .update(access_token.split('.').slice(0, 2).join('.'))
          .digest('base64url'),
      ).toBe(access_token.split('.')[2]);
    });
  });
});

describe('ordered access rules', () => {
  const server = (rules: mixnmatch.AccessRule[]) =>
    app(
      { key: SECRET },
      {
        secrets: [],
        rules,
        users: [
          ...users,
          { username: 'mallory', password: 'mallory-pw1', roles: ['ops'] },
          { username: 'oscar', password: 'oscar-pass1', roles: ['ops'] },
        ],
      },
    );
  const rules: mixnmatch.AccessRule[] = [
    { pattern: '^/admin/public', public: true },
    { pattern: '^/admin/', roles: ['ops'], users: ['alice'], except: ['mallory'] },
    { pattern: '^/members/' },
  ];

  it.each([
    ['/admin/x', undefined, 401],
    ['/admin/x', 'alice', 200],
    ['/admin/x', 'oscar', 200],
    ['/admin/x', 'mallory', 403],
    ['/admin/x', 'bob', 403],
    ['/admin/public/page', undefined, 200],
    ['/members/x', undefined, 401],
    ['/members/x', 'bob', 200],
    ['/elsewhere', undefined, 200],
    ['/admin/../admin/x', undefined, 401],
  ] as const)('%s as %s → %d (the first rule that matches decides)', async (path, user, status) => {
    const app = server(rules);
    const passwords: Record<string, string> = {
      alice: 'wonderland1',
      bob: 'builder123',
      mallory: 'mallory-pw1',
      oscar: 'oscar-pass1',
    };
    const req = request(app).get(path);
    if (user) req.set(bearer((await login(app, user, passwords[user]!)).access_token));
    expect((await req).status).toBe(status);
  });

  it.each([
    ['a backreference', '^/(a)\\1'],
    ['a lookahead', '^/(?=admin)'],
    ['a lookbehind', '(?<=/)admin'],
    ['a negative lookbehind', '(?<!/)admin'],
  ])('refuses a pattern that cannot be matched in linear time: %s', (_name, pattern) => {
    expect(() => mixnmatch.auth({ rules: [{ pattern }] })).toThrow(
      /cannot be matched in linear time/,
    );
  });

  it.each([
    ['"(?<=" inside a character class', '^/[(?<=]x'],
    ['an escaped parenthesis', '^/\\(?<=x'],
    ['a named group', '^/(?<area>admin)/'],
  ])('takes a pattern with %s on every Node version', (_name, pattern) => {
    expect(() => mixnmatch.auth({ rules: [{ pattern }] })).not.toThrow();
  });

  it('refuses a pattern that is not a regular expression', () => {
    expect(() => mixnmatch.auth({ rules: [{ pattern: '(' }] })).toThrow(
      /is not a regular expression/,
    );
  });

  it('matches a nested quantifier in linear time on a long hostile path', async () => {
    const app = server([{ pattern: '^/(a+)+$' }]);
    const res = await request(app).get(`/${'a'.repeat(15_000)}b`);
    expect(res.status).toBe(200);
  });

  it('works with session cookies too', async () => {
    const cookieApp = express().use(
      mixnmatch.auth({ rules: [{ pattern: '^/private/' }] }),
      (_req: express.Request, res: express.Response) => void res.send('ok'),
    );
    expect((await request(cookieApp).get('/private/x')).status).toBe(401);
    const cookie = (
      (await request(cookieApp).get('/login')).headers['set-cookie'] as unknown as string[]
    )[0]!.split(';')[0]!;
    expect((await request(cookieApp).get('/private/x').set('Cookie', cookie)).status).toBe(200);
  });
});

describe('password policy', () => {
  const server = app(
    { key: SECRET },
    { register: true, passwordPolicy: mixnmatch.ORIGINAL_PASSWORD_POLICY },
  );

  it.each([
    ['Short1!', /at least 10 characters/],
    [
      'alllowercase1',
      /at least 3 kinds of lower case, upper case, digits, others \(this one has 2\)/,
    ],
  ])('refuses %s at /register with the rule it breaks', async (password, reason) => {
    const res = await request(server).post('/register').send({ username: 'newbie', password });
    expect(res.status).toBe(400);
    expect(res.body.error_description).toMatch(reason);
  });

  it('takes a password that follows it, and answers tokens', async () => {
    const res = await request(server)
      .post('/register')
      .send({ username: 'newbie2', password: 'Good-password1' });
    expect(res.status).toBe(201);
    expect(res.body.token_type).toBe('Bearer');
  });

  it('keeps 8 characters of any kind by default', async () => {
    const plain = app({ key: SECRET }, { register: true });
    expect(
      (await request(plain).post('/register').send({ username: 'x1', password: 'aaaaaaaa' }))
        .status,
    ).toBe(201);
    expect(
      (await request(plain).post('/register').send({ username: 'x2', password: 'aaaaaaa' })).status,
    ).toBe(400);
  });
});

refreshTokenStoreContract(
  'MemoryRefreshTokenStore',
  () => new mixnmatch.MemoryRefreshTokenStore(),
  {
    passTime: fakeClock(),
  },
);

/** A store whose every call first waits a turn of the event loop, as a remote store's do. */
function awaiting(store: mixnmatch.RefreshTokenStore): mixnmatch.RefreshTokenStore {
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    add: async (digest, record) => (await turn(), store.add(digest, record)),
    rotate: async (digest, next) => (await turn(), store.rotate(digest, next)),
    revoke: async (digest) => (await turn(), store.revoke(digest)),
    revokeUser: async (username) => (await turn(), store.revokeUser(username)),
  };
}

refreshTokenStoreContract(
  'MemoryRefreshTokenStore behind awaiting calls',
  () => awaiting(new mixnmatch.MemoryRefreshTokenStore()),
  { passTime: fakeClock() },
);

describe('refresh-token reuse under a race', () => {
  it('revokes the token the winner got (a store whose calls really await)', async () => {
    const server = app({ key: SECRET, store: awaiting(new mixnmatch.MemoryRefreshTokenStore()) });
    await raceRefresh(server, (await login(server)).refresh_token);
  });
});

describe('a RefreshTokenStore written for the first contract (use, no rotate)', () => {
  it('still rotates, with a deprecation warning naming rotate()', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const inner = new mixnmatch.MemoryRefreshTokenStore();
      const legacy = {
        add: (digest: string, record: mixnmatch.RefreshRecord) => inner.add(digest, record),
        // The first contract's use(): spends a token, no successor.
        use: (digest: string) =>
          inner.rotate(digest, { digest: `spent-${digest}`, expiresAt: Date.now() + 1 }),
        revoke: (digest: string) => inner.revoke(digest),
        revokeUser: (username: string) => inner.revokeUser(username),
      };
      const server = app({
        key: SECRET,
        store: legacy as unknown as mixnmatch.RefreshTokenStore,
      });
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('has use() but no rotate()'),
        expect.objectContaining({ code: 'MIXNMATCH_REFRESH_STORE_USE' }),
      );
      const first = await login(server);
      const rotated = await request(server)
        .post('/authtoken')
        .send({ refresh_token: first.refresh_token });
      expect(rotated.status).toBe(200);
      const again = await request(server)
        .post('/authtoken')
        .send({ refresh_token: rotated.body.refresh_token });
      expect(again.status).toBe(200);
    } finally {
      warn.mockRestore();
    }
  });
});
