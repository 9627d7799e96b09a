import crypto from 'node:crypto';
import express from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { expectHeaders, fakeClock } from './helpers';
import { lockoutStoreContract } from 'mixnmatch/testing';
import { userStoreContract } from 'mixnmatch/testing';

/** Cheap hashing for most tests; the defaults are checked on their own. */
const FAST = { cost: 1024 } as const;
const COOKIE = /^SESSION=([0-9a-f]{64}); Path=\/; HttpOnly$/;

function cookieOf(res: request.Response): string {
  const header = (res.headers['set-cookie'] as unknown as string[] | undefined)?.[0] ?? '';
  const match = COOKIE.exec(header);
  if (!match) throw new Error(`no session cookie in ${JSON.stringify(header)}`);
  return `SESSION=${match[1]}`;
}

function app(opts: mixnmatch.AuthOptions) {
  const server = express();
  server.use(mixnmatch.canonicalize());
  server.use(mixnmatch.auth(opts));
  server.get('/{*rest}', (req, res) => {
    res
      .type('text/plain')
      .send(`served ${req.path} to ${mixnmatch.getSession(req)?.user?.username ?? 'nobody'}`);
  });
  server.use(mixnmatch.errorHandler());
  return server;
}

describe('auth() credential mode', () => {
  const bobHash = mixnmatch.hashPassword('builder12', { ...mixnmatch.DEFAULT_SCRYPT, ...FAST });

  describe('the options of the issue, as written', () => {
    let server: express.Express;
    beforeAll(async () => {
      server = app({
        secrets: ['secret', { path: '/admin', roles: ['admin'] }],
        users: [
          { username: 'alice', password: 'wonderland1', roles: ['admin'] },
          { username: 'bob', passwordHash: await bobHash },
        ],
        register: true,
        lockout: { attempts: 3, window: 60_000 },
      });
    });

    it('logs alice in with a form, and she gets secrets and /admin', async () => {
      const login = await request(server)
        .post('/login')
        .type('form')
        .send({ username: 'alice', password: 'wonderland1' });
      expect(login.status).toBe(200);
      const cookie = cookieOf(login);
      expect((await request(server).get('/secret/').set('Cookie', cookie)).text).toBe(
        'served /secret/ to alice',
      );
      expect((await request(server).get('/admin/x').set('Cookie', cookie)).status).toBe(200);
    });

    it('logs bob in with JSON; he gets secrets but 403 on /admin', async () => {
      const login = await request(server)
        .post('/login')
        .send({ username: 'bob', password: 'builder12' });
      expect(login.status).toBe(200);
      const cookie = cookieOf(login);
      expect((await request(server).get('/secret/').set('Cookie', cookie)).status).toBe(200);
      const admin = await request(server).get('/admin/').set('Cookie', cookie);
      expect(admin.status).toBe(403);
      expect(admin.text).toContain('Your user does not have a role this path needs.');
    });

    it('answers 401, not 403, without a session', async () => {
      expect((await request(server).get('/admin/')).status).toBe(401);
    });
  });

  describe('POST /login', () => {
    const server = app({
      secrets: ['secret'],
      users: [{ username: 'ann', password: 'correct-horse' }],
      scrypt: FAST,
    });

    it('takes JSON and text/json too', async () => {
      expect(
        (await request(server).post('/login').send({ username: 'ann', password: 'correct-horse' }))
          .status,
      ).toBe(200);
      const textJson = await request(server)
        .post('/login')
        .set('Content-Type', 'text/json; charset=utf-8')
        .send(JSON.stringify({ username: 'ann', password: 'correct-horse' }));
      expect(textJson.status).toBe(200);
    });

    it('redirects to goto after a login', async () => {
      const res = await request(server)
        .post('/login?goto=/secret/')
        .type('form')
        .send('username=ann&password=correct-horse');
      expect(res.status).toBe(302);
      expectHeaders(res, { location: '/secret/' });
      cookieOf(res);
    });

    it.each([
      ['a wrong password', { username: 'ann', password: 'wrong-horse' }],
      ['an unknown user', { username: 'nobody', password: 'correct-horse' }],
    ])('gives the same generic 401 for %s, with no session', async (_name, body) => {
      const res = await request(server).post('/login').send(body);
      expect(res.status).toBe(401);
      expect(res.text).toContain('401 - Wrong username or password.');
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it.each([
      ['no body', undefined, /Missing "username" and "password"/],
      ['no password', { username: 'ann' }, /Missing "password"/],
      ['an empty password', { username: 'ann', password: '' }, /Missing "password"/],
      ['a password that is not a string', { username: 'ann', password: 123 }, /Missing "password"/],
    ])('gives 400 for %s', async (_name, body, message) => {
      const res = await request(server)
        .post('/login')
        .send(body as object);
      expect(res.status).toBe(400);
      expect(res.text).toMatch(message);
    });

    it.each([
      ['bad JSON', 'application/json', '{"username":', /Cannot decode JSON/],
      ['a JSON array', 'application/json', '["ann"]', /must be an object/],
      [
        'bad percent-encoding',
        'application/x-www-form-urlencoded',
        'username=ann&password=%E0%A4%A',
        /malformed percent-encoding/,
      ],
    ])('gives 400 for %s', async (_name, type, body, message) => {
      const res = await request(server).post('/login').set('Content-Type', type).send(body);
      expect(res.status).toBe(400);
      expect(res.text).toMatch(message);
    });

    it('gives 415 for another content type and 413 for a huge body', async () => {
      expect(
        (
          await request(server)
            .post('/login')
            .set('Content-Type', 'text/plain')
            .send('username=ann')
        ).status,
      ).toBe(415);
      const huge = await request(server)
        .post('/login')
        .type('form')
        .send(`username=ann&password=${'x'.repeat(20_000)}`);
      expect(huge.status).toBe(413);
    });

    it('answers GET /login with 401: no free sessions when users are configured', async () => {
      const res = await request(server).get('/login');
      expect(res.status).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.text).toContain('Log in with POST /login');
    });

    it('drops the previous session on a new login', async () => {
      const first = cookieOf(
        await request(server).post('/login').send({ username: 'ann', password: 'correct-horse' }),
      );
      const second = cookieOf(
        await request(server)
          .post('/login')
          .set('Cookie', first)
          .send({ username: 'ann', password: 'correct-horse' }),
      );
      expect((await request(server).get('/secret/').set('Cookie', first)).status).toBe(401);
      expect((await request(server).get('/secret/').set('Cookie', second)).text).toBe(
        'served /secret/ to ann',
      );
    });
  });

  describe('registration by role (canCreateUsers)', () => {
    const users = [
      { username: 'root', password: 'root-password', roles: ['admin'] },
      { username: 'olga', password: 'olga-password', roles: ['ops'] },
    ];
    const make = (canCreateUsers?: Record<string, string[]>) =>
      app({
        secrets: ['secret', { path: '/ops', roles: ['ops'] }],
        users,
        register: true,
        ...(canCreateUsers ? { canCreateUsers } : {}),
        scrypt: FAST,
      });
    const as = async (server: express.Express, username: string, password: string) =>
      cookieOf(await request(server).post('/login').send({ username, password }));
    const TABLE = { '': [], admin: ['admin', 'ops'], ops: ['guest'] };

    it.each([
      // who asks, the roles asked for, the table, the status
      ['anyone', [], undefined, 201],
      ['anyone', ['ops'], undefined, 403],
      ['anyone', [], TABLE, 201],
      ['anyone', ['ops'], TABLE, 403],
      ['root (admin)', ['admin'], TABLE, 201],
      ['root (admin)', ['ops', 'admin'], TABLE, 201],
      ['root (admin)', ['root'], TABLE, 403],
      ['olga (ops)', ['guest'], TABLE, 201],
      ['olga (ops)', ['ops'], TABLE, 403],
      ['anyone', [], { admin: ['ops'] }, 403],
      ['root (admin)', [], { admin: ['ops'] }, 201],
    ] as const)(
      '%s asking for %j with %j: %d, and a refused registration creates nothing',
      async (who, roles, table, status) => {
        const server = make(table as Record<string, string[]> | undefined);
        const cookie = who.startsWith('root')
          ? await as(server, 'root', 'root-password')
          : who.startsWith('olga')
            ? await as(server, 'olga', 'olga-password')
            : undefined;
        const asked = request(server).post('/register');
        if (cookie) void asked.set('Cookie', cookie);
        const res = await asked.send({ username: 'newbie', password: 'newbie-password', roles });
        expect(res.status).toBe(status);
        const login = await request(server)
          .post('/login')
          .send({ username: 'newbie', password: 'newbie-password' });
        expect(login.status).toBe(status === 201 ? 200 : 401);
        if (status !== 201) return;
        // The new account has exactly the roles asked for.
        const opsPage = await request(server).get('/ops/x').set('Cookie', cookieOf(login));
        expect(opsPage.status).toBe(roles.includes('ops' as never) ? 200 : 403);
      },
    );

    it('names the roles it may not give, and keeps a signed-in asker signed in as themselves', async () => {
      const server = make(TABLE);
      const root = await as(server, 'root', 'root-password');
      const refused = await request(server)
        .post('/register')
        .set('Cookie', root)
        .send({ username: 'x1', password: 'x1-password', roles: ['root', 'admin', 'su'] });
      expect(refused.status).toBe(403);
      expect(refused.text).toMatch(/may not register an account with the roles "root", "su"/);
      const made = await request(server)
        .post('/register')
        .set('Cookie', root)
        .type('form')
        .send('username=x2&password=x2-password&roles=ops,admin');
      expect(made.status).toBe(201);
      expect(made.body).toEqual({ username: 'x2', roles: ['ops', 'admin'], registeredBy: 'root' });
      expect(made.headers['set-cookie']).toBeUndefined();
      expect((await request(server).get('/secret/').set('Cookie', root)).text).toBe(
        'served /secret/ to root',
      );
    });

    it.each([
      [{ roles: 'bad role' }, /A role name is 1–64 characters/],
      [{ roles: [1] }, /A role name is 1–64 characters/],
      [{ roles: { a: 1 } }, /"roles" must be a list of role names/],
      [{ roles: Array.from({ length: 33 }, (_, i) => `r${i}`) }, /at most 32 roles/],
    ])('gives 400 for roles %j', async (extra, message) => {
      const res = await request(make(TABLE))
        .post('/register')
        .send({ username: 'y', password: 'y-password', ...extra });
      expect(res.status).toBe(400);
      expect(res.text).toMatch(message);
    });

    it("takes the asker from this auth()'s own sessions, not another's the request passed", async () => {
      const server = express();
      server.use(mixnmatch.canonicalize());
      server.use(mixnmatch.auth({ users, scrypt: FAST }));
      server.use(
        '/b',
        mixnmatch.auth({
          users: [],
          register: true,
          canCreateUsers: TABLE,
          cookie: { name: 'B_SESSION' },
          scrypt: FAST,
        }),
      );
      server.use(mixnmatch.errorHandler({ log: false }));
      const root = await as(server, 'root', 'root-password');
      const res = await request(server)
        .post('/b/register')
        .set('Cookie', root)
        .send({ username: 'sneaky', password: 'sneaky-password', roles: ['admin'] });
      expect(res.status).toBe(403);
    });

    it('refuses a table that is not one, or one without register', () => {
      expect(() => mixnmatch.auth({ users, canCreateUsers: { '': [] } })).toThrow(
        /"canCreateUsers" needs "register"/,
      );
      expect(() =>
        mixnmatch.auth({ users, register: true, canCreateUsers: { admin: 'admin' } as never }),
      ).toThrow(/"canCreateUsers" "admin" must be a list of role names/);
      expect(() => mixnmatch.auth({ users, register: true, canCreateUsers: [] as never })).toThrow(
        /must be an object of role lists/,
      );
    });
  });

  describe('POST /register', () => {
    it('creates a user with a session when register is true', async () => {
      const server = app({ secrets: ['secret'], users: [], register: true, scrypt: FAST });
      const res = await request(server)
        .post('/register')
        .send({ username: 'carol', password: 'long-enough' });
      expect(res.status).toBe(201);
      expect((await request(server).get('/secret/').set('Cookie', cookieOf(res))).text).toBe(
        'served /secret/ to carol',
      );
      expect(
        (await request(server).post('/login').send({ username: 'carol', password: 'long-enough' }))
          .status,
      ).toBe(200);
    });

    it.each([
      [
        'a taken username',
        { username: 'dave', password: 'long-enough' },
        /That username is taken\./,
      ],
      [
        'a short password',
        { username: 'erin', password: 'short' },
        /A password needs at least 8 characters\./,
      ],
      [
        'a bad username',
        { username: 'no spaces', password: 'long-enough' },
        /A username is 1–64 characters/,
      ],
      ['a missing password', { username: 'erin' }, /Missing "password"/],
    ])('gives 400 for %s', async (_name, body, message) => {
      const server = app({
        users: [{ username: 'dave', password: 'dave-password' }],
        register: true,
        scrypt: FAST,
      });
      const res = await request(server).post('/register').send(body);
      expect(res.status).toBe(400);
      expect(res.text).toMatch(message);
    });

    it('applies minPasswordLength', async () => {
      const server = app({ users: [], register: true, minPasswordLength: 3, scrypt: FAST });
      expect(
        (await request(server).post('/register').send({ username: 'fay', password: 'abc' })).status,
      ).toBe(201);
    });

    it('asks a register predicate', async () => {
      const server = app({
        users: [],
        register: (_req, username) => username.endsWith('@corp.test'),
        scrypt: FAST,
      });
      expect(
        (
          await request(server)
            .post('/register')
            .send({ username: 'x@evil.test', password: 'long-enough' })
        ).status,
      ).toBe(403);
      expect(
        (
          await request(server)
            .post('/register')
            .send({ username: 'x@corp.test', password: 'long-enough' })
        ).status,
      ).toBe(201);
    });

    it('is off by default', async () => {
      const server = app({ users: [], scrypt: FAST });
      expect(
        (await request(server).post('/register').send({ username: 'gus', password: 'long-enough' }))
          .status,
      ).toBe(404);
    });
  });

  describe('password work under a flood', () => {
    it('counts registrations per address before hashing: past 20 in the window, 429', async () => {
      const server = app({ users: [], register: true, scrypt: FAST });
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          request(server)
            .post('/register')
            .send({ username: `u${i}`, password: 'long-enough' }),
        ),
      );
      const statuses = answers.map((res) => res.status);
      expect(statuses.filter((status) => status === 201)).toHaveLength(20);
      expect(statuses.filter((status) => status === 429)).toHaveLength(20);
      const refused = answers.find((res) => res.status === 429)!;
      expect(refused.headers['retry-after']).toMatch(/^\d+$/);
      expect(refused.text).toContain(
        'Too many registrations and password changes from this address',
      );
    });

    it('counts password changes from an address too, successful ones included', async () => {
      const server = app({
        users: [{ username: 'ann', password: 'password-0' }],
        scrypt: FAST,
        lockout: { accountAttempts: 3 },
      });
      for (let i = 0; i < 3; i++) {
        const res = await request(server)
          .post('/changepwd')
          .send({ username: 'ann', password: `password-${i}`, new_password: `password-${i + 1}` });
        expect(res.status).toBe(200);
      }
      const fourth = await request(server)
        .post('/changepwd')
        .send({ username: 'ann', password: 'password-3', new_password: 'password-4' });
      expect(fourth.status).toBe(429);
    });

    it('queues a bounded amount of hashing and answers the rest 503 with Retry-After, at once', async () => {
      const server = app({
        secrets: [],
        users: [],
        register: true,
        scrypt: FAST,
        lockout: false,
        hashing: { concurrency: 1, queue: 4 },
      });
      const [answers, plain] = await Promise.all([
        Promise.all(
          Array.from({ length: 60 }, (_, i) =>
            request(server)
              .post('/register')
              .send({ username: `f${i}`, password: 'long-enough' }),
          ),
        ),
        request(server).get('/public'),
      ]);
      expect(plain.status).toBe(200);
      const statuses = answers.map((res) => res.status);
      expect(statuses.every((status) => status === 201 || status === 503)).toBe(true);
      expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(5);
      const busy = answers.filter((res) => res.status === 503);
      expect(busy.length).toBeGreaterThan(0);
      expect(busy[0]!.headers['retry-after']).toBe('1');
      // A refused registration created nothing: the name is free for a later try.
      const name = `f${statuses.indexOf(503)}`;
      expect(
        (await request(server).post('/register').send({ username: name, password: 'long-enough' }))
          .status,
      ).toBe(201);
    });

    it('puts logins through the same queue', async () => {
      const server = app({
        users: [{ username: 'ann', password: 'annie-password' }],
        scrypt: FAST,
        lockout: false,
        hashing: { concurrency: 1, queue: 2 },
      });
      const answers = await Promise.all(
        Array.from({ length: 30 }, () =>
          request(server).post('/login').send({ username: 'ann', password: 'annie-password' }),
        ),
      );
      const statuses = answers.map((res) => res.status);
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(3);
      expect(statuses.filter((status) => status === 503).length).toBeGreaterThan(0);
    });

    it.each([
      [{ concurrency: 0 }, /"hashing.concurrency" must be a positive integer/],
      [{ queue: -1 }, /"hashing.queue" must be a positive integer/],
      [{ size: 3 }, /unknown option "size"/],
    ])('refuses hashing %j', (hashing, message) => {
      expect(() =>
        mixnmatch.auth({ users: [], hashing: hashing as mixnmatch.HashingOptions }),
      ).toThrow(message);
    });
  });

  describe('passwords in Unicode', () => {
    const DECOMPOSED = 'A1' + 'e\u0301'.repeat(4);

    it('counts a password after NFC normalisation: 10 code points that are 6 characters fail a 10-character policy', async () => {
      const server = app({
        users: [],
        register: true,
        scrypt: FAST,
        passwordPolicy: mixnmatch.ORIGINAL_PASSWORD_POLICY,
      });
      expect([...DECOMPOSED]).toHaveLength(10);
      const res = await request(server)
        .post('/register')
        .send({ username: 'zoe', password: DECOMPOSED + '!' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('at least 10 characters');
      expect(
        (await request(server).post('/login').send({ username: 'zoe', password: 'A1éééé!' }))
          .status,
      ).toBe(401);
    });

    it('logs in with either form of a password registered in one', async () => {
      const server = app({ users: [], register: true, scrypt: FAST });
      const password = DECOMPOSED + 'xyz';
      expect(
        (await request(server).post('/register').send({ username: 'zed', password })).status,
      ).toBe(201);
      for (const form of [password, password.normalize('NFC')]) {
        expect(
          (await request(server).post('/login').send({ username: 'zed', password: form })).status,
        ).toBe(200);
      }
    });

    it('normalises a change of password, and the plain passwords of the users option', async () => {
      const server = app({
        users: [{ username: 'ann', password: 'caf\u00e9-password' }],
        scrypt: FAST,
        passwordPolicy: { minLength: 12 },
      });
      // 13 code points that are 12 characters: enough, once normalised.
      const changed = await request(server).post('/changepwd').send({
        username: 'ann',
        password: 'cafe\u0301-password',
        new_password: 'cafe\u0301-passwor',
      });
      expect(changed.status).toBe(200);
      const short = await request(server)
        .post('/changepwd')
        .send({ username: 'ann', password: 'café-passwor', new_password: 'cafe\u0301-passwo' });
      expect(short.status).toBe(400);
    });
  });

  describe('POST /changepwd', () => {
    it("changes the password, ends the user's other sessions and issues a fresh one", async () => {
      const server = app({
        secrets: ['secret'],
        users: [{ username: 'hal', password: 'first-password' }],
        scrypt: FAST,
      });
      const other = cookieOf(
        await request(server).post('/login').send({ username: 'hal', password: 'first-password' }),
      );
      const res = await request(server)
        .post('/changepwd')
        .type('form')
        .send({ username: 'hal', password: 'first-password', new_password: 'second-password' });
      expect(res.status).toBe(200);
      const fresh = cookieOf(res);
      expect((await request(server).get('/secret/').set('Cookie', other)).status).toBe(401);
      expect((await request(server).get('/secret/').set('Cookie', fresh)).status).toBe(200);
      expect(
        (await request(server).post('/login').send({ username: 'hal', password: 'first-password' }))
          .status,
      ).toBe(401);
      expect(
        (
          await request(server)
            .post('/login')
            .send({ username: 'hal', password: 'second-password' })
        ).status,
      ).toBe(200);
    });

    it.each([
      [
        'a wrong password',
        { username: 'ida', password: 'nope-nope', new_password: 'another-one' },
        401,
      ],
      ['no current password', { username: 'ida', new_password: 'another-one' }, 400],
      [
        'a short new password',
        { username: 'ida', password: 'ida-password', new_password: 'x' },
        400,
      ],
    ])('refuses %s', async (_name, body, status) => {
      const server = app({ users: [{ username: 'ida', password: 'ida-password' }], scrypt: FAST });
      expect((await request(server).post('/changepwd').send(body)).status).toBe(status);
    });
  });

  describe('roles', () => {
    const server = app({
      secrets: [
        { path: '/admin', roles: ['admin', 'root'] },
        { path: 'reports', roles: ['auditor'] },
      ],
      users: [
        { username: 'root', password: 'root-password', roles: ['root'] },
        { username: 'aud', password: 'aud-password', roles: ['auditor'] },
      ],
      scrypt: FAST,
    });
    const login = async (username: string) =>
      cookieOf(
        await request(server)
          .post('/login')
          .send({ username, password: `${username}-password` }),
      );

    it('needs one of the roles of each secret on the path', async () => {
      const root = await login('root');
      const aud = await login('aud');
      expect((await request(server).get('/admin/x').set('Cookie', root)).status).toBe(200);
      expect((await request(server).get('/admin/x').set('Cookie', aud)).status).toBe(403);
      expect((await request(server).get('/x/reports/').set('Cookie', aud)).status).toBe(200);
      expect((await request(server).get('/admin/reports/').set('Cookie', aud)).status).toBe(403);
      expect((await request(server).get('/admin/reports/').set('Cookie', root)).status).toBe(403);
      expect((await request(server).get('/admin/reports/')).status).toBe(401);
    });

    it('gives 403 to dummy sessions of seed mode on a role secret', async () => {
      const seed = app({ secrets: [{ path: '/admin', roles: ['admin'] }] });
      const cookie = cookieOf(await request(seed).get('/login'));
      expect((await request(seed).get('/admin/').set('Cookie', cookie)).status).toBe(403);
    });

    it('guards a route with requireSession({ roles })', async () => {
      const guarded = express();
      guarded.use(
        mixnmatch.auth({
          users: [
            { username: 'root', password: 'root-password', roles: ['root'] },
            { username: 'aud', password: 'aud-password', roles: ['auditor'] },
          ],
          scrypt: FAST,
        }),
      );
      guarded.get('/ops', mixnmatch.requireSession({ roles: ['root'] }), (req, res) => {
        res.send(`ops for ${mixnmatch.getSession(req)!.user!.username}`);
      });
      guarded.use(mixnmatch.errorHandler());
      const root = cookieOf(
        await request(guarded).post('/login').send({ username: 'root', password: 'root-password' }),
      );
      const aud = cookieOf(
        await request(guarded).post('/login').send({ username: 'aud', password: 'aud-password' }),
      );
      expect((await request(guarded).get('/ops').set('Cookie', root)).text).toBe('ops for root');
      expect((await request(guarded).get('/ops').set('Cookie', aud)).status).toBe(403);
      expect((await request(guarded).get('/ops')).status).toBe(401);
    });
  });

  describe('lockout', () => {
    const users = [
      { username: 'jo', password: 'jo-password' },
      { username: 'kim', password: 'kim-password' },
    ];
    const attempt = (server: express.Express, username: string, password: string) =>
      request(server).post('/login').send({ username, password });

    afterEach(() => jest.useRealTimers());

    it('locks a username after `attempts` failures, even for the right password, with Retry-After', async () => {
      const server = app({ users, lockout: { attempts: 3, window: 60_000 }, scrypt: FAST });
      for (let i = 0; i < 3; i++) expect((await attempt(server, 'jo', 'wrong')).status).toBe(401);
      const locked = await attempt(server, 'jo', 'jo-password');
      expect(locked.status).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(50);
      expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect((await attempt(server, 'kim', 'kim-password')).status).toBe(200);
    });

    it('resets the count of a username on success', async () => {
      const server = app({ users, lockout: { attempts: 3, window: 60_000 }, scrypt: FAST });
      await attempt(server, 'jo', 'wrong');
      await attempt(server, 'jo', 'wrong');
      expect((await attempt(server, 'jo', 'jo-password')).status).toBe(200);
      await attempt(server, 'jo', 'wrong');
      await attempt(server, 'jo', 'wrong');
      expect((await attempt(server, 'jo', 'jo-password')).status).toBe(200);
    });

    it('locks a client address after addressAttempts failures across usernames', async () => {
      const server = app({
        users,
        lockout: { attempts: 10, addressAttempts: 4, window: 60_000 },
        scrypt: FAST,
      });
      for (const name of ['a', 'b', 'c', 'd'])
        expect((await attempt(server, name, 'wrong')).status).toBe(401);
      expect((await attempt(server, 'kim', 'kim-password')).status).toBe(429);
    });

    it('defaults to 5 per username and 4 × 5 per address', async () => {
      const server = app({ users, scrypt: FAST });
      for (let i = 0; i < 5; i++) expect((await attempt(server, 'jo', 'wrong')).status).toBe(401);
      expect((await attempt(server, 'jo', 'jo-password')).status).toBe(429);
    });

    it('lets the user in again once the window has passed', async () => {
      jest.useFakeTimers({
        now: Date.now(),
        doNotFake: [
          'nextTick',
          'setImmediate',
          'setTimeout',
          'setInterval',
          'clearTimeout',
          'clearInterval',
          'clearImmediate',
          'queueMicrotask',
          'hrtime',
          'performance',
        ],
      });
      const server = app({ users, lockout: { attempts: 2, window: 60_000 }, scrypt: FAST });
      await attempt(server, 'jo', 'wrong');
      await attempt(server, 'jo', 'wrong');
      expect((await attempt(server, 'jo', 'jo-password')).status).toBe(429);
      jest.setSystemTime(Date.now() + 59_000);
      expect((await attempt(server, 'jo', 'jo-password')).status).toBe(429);
      jest.setSystemTime(Date.now() + 2_000);
      expect((await attempt(server, 'jo', 'jo-password')).status).toBe(200);
    });

    it('counts failed password changes too', async () => {
      const server = app({ users, lockout: { attempts: 2, window: 60_000 }, scrypt: FAST });
      const change = (password: string) =>
        request(server)
          .post('/changepwd')
          .send({ username: 'jo', password, new_password: 'new-password' });
      expect((await change('wrong')).status).toBe(401);
      expect((await change('wrong')).status).toBe(401);
      expect((await change('jo-password')).status).toBe(429);
    });

    describe('when guesses arrive at once', () => {
      afterEach(() => jest.restoreAllMocks());

      it('verifies at most `attempts` of 30 parallel guesses for one user', async () => {
        const server = app({ users, lockout: { attempts: 3, window: 60_000 }, scrypt: FAST });
        const scrypt = jest.spyOn(crypto, 'scrypt');
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) => attempt(server, 'jo', `wrong-${i}`)),
        );
        const statuses = results.map((r) => r.status);
        expect(statuses.filter((s) => s === 401)).toHaveLength(3);
        expect(statuses.filter((s) => s === 429)).toHaveLength(27);
        expect(scrypt).toHaveBeenCalledTimes(3);
      });

      it('verifies at most `addressAttempts` of 30 parallel guesses from one address', async () => {
        const server = app({
          users,
          lockout: { attempts: 100, addressAttempts: 4, window: 60_000 },
          scrypt: FAST,
        });
        const scrypt = jest.spyOn(crypto, 'scrypt');
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) => attempt(server, `user${i}`, 'wrong')),
        );
        expect(results.filter((r) => r.status === 401)).toHaveLength(4);
        expect(results.filter((r) => r.status === 429)).toHaveLength(26);
        expect(scrypt).toHaveBeenCalledTimes(4);
      });
    });

    it('gives the address its attempt back when a login succeeds', async () => {
      const server = app({
        users,
        lockout: { attempts: 5, addressAttempts: 3, window: 60_000 },
        scrypt: FAST,
      });
      for (let i = 0; i < 10; i++)
        expect((await attempt(server, 'kim', 'kim-password')).status).toBe(200);
      expect((await attempt(server, 'jo', 'wrong')).status).toBe(401);
    });

    it('counts no username for an address past its limit, so random names cannot fill the store', async () => {
      const store = new mixnmatch.MemoryLockoutStore();
      const server = app({
        users,
        lockout: { attempts: 5, addressAttempts: 2, window: 60_000, store },
        scrypt: FAST,
      });
      const consume = jest.spyOn(store, 'consume');
      for (let i = 0; i < 10; i++) await attempt(server, `random-${i}`, 'wrong');
      const userKeys = consume.mock.calls.map(([key]) => key).filter((k) => k.startsWith('user:'));
      expect(userKeys).toEqual(['user:random-0', 'user:random-1']);
      jest.restoreAllMocks();
    });

    it('refuses an overlong username before any lookup or count', async () => {
      const store = new mixnmatch.MemoryLockoutStore();
      const consume = jest.spyOn(store, 'consume');
      const server = app({ users, lockout: { store }, scrypt: FAST });
      const res = await attempt(server, 'u'.repeat(15 * 1024), 'wrong');
      expect(res.status).toBe(400);
      expect(res.text).toContain('"username" is longer than 64 characters');
      expect(consume).not.toHaveBeenCalled();
      jest.restoreAllMocks();
    });

    it('can be turned off', async () => {
      const server = app({ users, lockout: false, scrypt: FAST });
      for (let i = 0; i < 8; i++) await attempt(server, 'jo', 'wrong');
      expect((await attempt(server, 'jo', 'jo-password')).status).toBe(200);
    });
  });

  describe('timing', () => {
    afterEach(() => jest.restoreAllMocks());

    it('hashes once for an unknown user, as for a known one with a wrong password', async () => {
      const server = app({ users: [{ username: 'lee', password: 'lee-password' }], scrypt: FAST });
      const scrypt = jest.spyOn(crypto, 'scrypt');
      await request(server).post('/login').send({ username: 'nobody', password: 'whatever' });
      expect(scrypt).toHaveBeenCalledTimes(1);
      expect(scrypt.mock.calls[0]![3]).toMatchObject({ N: 1024, r: 8, p: 1 });
      scrypt.mockClear();
      await request(server).post('/login').send({ username: 'lee', password: 'whatever' });
      expect(scrypt).toHaveBeenCalledTimes(1);
      expect(scrypt.mock.calls[0]![3]).toMatchObject({ N: 1024, r: 8, p: 1 });
    });
  });

  describe('password hashes', () => {
    it('records scrypt and its parameters: $scrypt$ln=15,r=8,p=1$salt$hash', async () => {
      const hash = await mixnmatch.hashPassword('secret');
      expect(hash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
      expect(await mixnmatch.verifyPassword('secret', hash)).toBe(true);
      expect(await mixnmatch.verifyPassword('Secret', hash)).toBe(false);
      expect(await mixnmatch.hashPassword('secret')).not.toBe(hash);
    });

    it('verifies a hash made with other parameters', async () => {
      const hash = await mixnmatch.hashPassword('pw', {
        cost: 2 ** 10,
        blockSize: 4,
        parallelization: 2,
      });
      expect(hash.startsWith('$scrypt$ln=10,r=4,p=2$')).toBe(true);
      expect(await mixnmatch.verifyPassword('pw', hash)).toBe(true);
      expect(mixnmatch.needsRehash(hash)).toBe(true);
      expect(mixnmatch.needsRehash(await mixnmatch.hashPassword('pw'))).toBe(false);
    });

    it('never matches a malformed hash', async () => {
      expect(await mixnmatch.verifyPassword('pw', 'plain text')).toBe(false);
      expect(
        await mixnmatch.verifyPassword(
          'pw',
          '$scrypt$ln=40,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        ),
      ).toBe(false);
    });

    it('upgrades an old hash to the current parameters at login', async () => {
      const store = new mixnmatch.MemoryUserStore([
        {
          username: 'max',
          passwordHash: await mixnmatch.hashPassword('max-password', {
            cost: 2 ** 10,
            blockSize: 8,
            parallelization: 1,
          }),
          roles: [],
        },
      ]);
      const server = app({ users: store, scrypt: { cost: 2 ** 11 } });
      expect(
        (await request(server).post('/login').send({ username: 'max', password: 'max-password' }))
          .status,
      ).toBe(200);
      expect((await store.get('max'))!.passwordHash.startsWith('$scrypt$ln=11,r=8,p=1$')).toBe(
        true,
      );
    });
  });

  describe('options', () => {
    it.each<[string, mixnmatch.AuthOptions, RegExp]>([
      [
        'register without users',
        { register: true },
        /"register" is for credential mode: give "users" too/,
      ],
      [
        'a user without a password',
        { users: [{ username: 'a' }] },
        /user "a" needs exactly one of "password" and "passwordHash"/,
      ],
      [
        'a user with both',
        { users: [{ username: 'a', password: 'x', passwordHash: 'y' }] },
        /exactly one of/,
      ],
      [
        'a bad hash',
        { users: [{ username: 'a', passwordHash: 'md5:abc' }] },
        /"passwordHash" is not a hash made by hashPassword\(\)/,
      ],
      [
        'a hash whose scrypt parameters cost GiBs per login',
        {
          users: [
            {
              username: 'm',
              passwordHash: `$scrypt$ln=20,r=32,p=16$${'A'.repeat(22)}$${'B'.repeat(43)}`,
            },
          ],
        },
        /user "m": "passwordHash" has scrypt parameters \(ln=20,r=32,p=16\) that are refused: .*4096 MiB here, at most 64 MiB/,
      ],
      [
        'scrypt options scrypt itself refuses (N >= 2^(16 r))',
        { users: [], scrypt: { cost: 65536, blockSize: 1 } },
        /"scrypt": cost must be below 2\^\(16 × blockSize\), scrypt's own rule/,
      ],
      [
        'a hash whose scrypt work costs seconds per login',
        {
          users: [
            {
              username: 'w',
              passwordHash: `$scrypt$ln=16,r=8,p=16$${'A'.repeat(22)}$${'B'.repeat(43)}`,
            },
          ],
        },
        /user "w": "passwordHash" has scrypt parameters .* the work one check takes: 1024 MiB here, at most 256 MiB/,
      ],
      [
        'scrypt options past 64 MiB',
        { users: [], scrypt: { cost: 2 ** 20, blockSize: 8 } },
        /"scrypt": cost × blockSize × 128 is the memory one check takes: 1024 MiB here, at most 64 MiB/,
      ],
      [
        'a bad username',
        { users: [{ username: 'a b', password: 'x' }] },
        /a username is 1–64 letters/,
      ],
      [
        'a user twice',
        {
          users: [
            { username: 'a', password: 'x' },
            { username: 'a', password: 'y' },
          ],
        },
        /user "a" is listed twice/,
      ],
      [
        'bad roles',
        { users: [{ username: 'a', password: 'x', roles: 'admin' as never }] },
        /"roles" must be an array of role names/,
      ],
      [
        'a secret with bad roles',
        { secrets: [{ path: '/admin', roles: [''] }] },
        /secret "\/admin": "roles" must be an array/,
      ],
      [
        'a bad lockout',
        { users: [], lockout: { attempts: 0 } },
        /"lockout.attempts" must be a positive integer/,
      ],
      [
        'an unknown lockout key',
        { users: [], lockout: { attempt: 3 } as never },
        /unknown option "attempt"\. Did you mean "attempts"\?/,
      ],
      [
        'bad scrypt',
        { users: [], scrypt: { cost: 1000 } },
        /"scrypt": cost must be a power of two/,
      ],
      [
        'a users store without create',
        { users: { get() {}, update() {} } as never },
        /"users" is missing the method create\(\)/,
      ],
      [
        'a session store without deleteUser in credential mode',
        { users: [], store: { get() {}, set() {}, delete() {} } as never },
        /"store" is missing the method deleteUser\(\)/,
      ],
    ])('rejects %s', (_name, opts, message) => {
      expect(() =>
        mixnmatch.auth({ scrypt: FAST, ...opts, ...(opts.scrypt ? { scrypt: opts.scrypt } : {}) }),
      ).toThrow(message);
    });
  });
});

describe('MemoryUserStore', () => {
  it('keeps copies, creates atomically and updates', async () => {
    const roles = ['a'];
    const store = new mixnmatch.MemoryUserStore([{ username: 'u', passwordHash: 'h', roles }]);
    roles.push('b');
    expect(store.get('u')!.roles).toEqual(['a']);
    expect(store.create({ username: 'u', passwordHash: 'x', roles: [] })).toBe(false);
    expect(store.create({ username: 'v', passwordHash: 'x', roles: [] })).toBe(true);
    expect(store.update('v', { roles: ['c'] })).toBe(true);
    expect(store.update('w', { roles: ['c'] })).toBe(false);
    expect(store.get('v')).toEqual({ username: 'v', passwordHash: 'x', roles: ['c'] });
  });
});

describe('MemoryLockoutStore', () => {
  it('counts in a window that starts at the first attempt, and caps its keys', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const store = new mixnmatch.MemoryLockoutStore({ maxKeys: 2 });
      expect(store.consume('a', 1000)).toEqual({ count: 1, resetAt: 1_001_000 });
      jest.setSystemTime(1_000_500);
      expect(store.consume('a', 1000)).toEqual({ count: 2, resetAt: 1_001_000 });
      jest.setSystemTime(1_001_000);
      expect(store.consume('a', 1000)).toEqual({ count: 1, resetAt: 1_002_000 });
      store.consume('b', 1000);
      store.consume('c', 1000);
      store.consume('d', 1000);
      // 'a' and 'b' were the oldest and went; 'c' and 'd' are counted on.
      expect(store.consume('c', 1000).count).toBe(2);
      expect(store.consume('b', 1000).count).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('MemoryLockoutStore under a flood of new keys', () => {
  it('keeps the count of a key under attack while one-off keys come and go', () => {
    const store = new mixnmatch.MemoryLockoutStore({ maxKeys: 10 });
    for (let i = 0; i < 3; i++) store.consume('user:admin', 60_000);
    for (let i = 0; i < 1000; i++) store.consume(`user:random-${i}`, 60_000);
    expect(store.consume('user:admin', 60_000).count).toBe(4);
  });
});

lockoutStoreContract('MemoryLockoutStore', () => new mixnmatch.MemoryLockoutStore(), {
  passTime: fakeClock(),
});
userStoreContract('MemoryUserStore', () => new mixnmatch.MemoryUserStore());

describe('hashes the original wrote (verified, then replaced with scrypt)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bcrypt = require('bcryptjs') as typeof import('bcryptjs');
  const digest = (algorithm: string, password: string) =>
    `${algorithm}:${crypto.createHash(algorithm).update(password).digest('hex')}`;

  it.each([
    ['bcrypt ($2b$)', () => bcrypt.hashSync('legacy-password', 4)],
    [
      'bcrypt ($2y$, as PHP writes it)',
      () => bcrypt.hashSync('legacy-password', 4).replace(/^\$2b\$/, '$2y$'),
    ],
    ['md5', () => digest('md5', 'legacy-password')],
    ['sha1', () => digest('sha1', 'legacy-password')],
    ['sha256', () => digest('sha256', 'legacy-password')],
    [
      'sha512',
      () => digest('sha512', 'legacy-password').toUpperCase().replace('SHA512:', 'sha512:'),
    ],
  ])(
    'logs in a user whose hash is %s, refuses a wrong password, and rehashes at the login',
    async (_kind, make) => {
      const passwordHash = make();
      expect(mixnmatch.needsRehash(passwordHash)).toBe(true);
      const users = new mixnmatch.MemoryUserStore();
      await users.create({ username: 'old', passwordHash, roles: [] });
      const server = app({ secrets: ['secret'], users, scrypt: FAST });
      const wrong = await request(server)
        .post('/login')
        .send({ username: 'old', password: 'not-it' });
      expect(wrong.status).toBe(401);
      expect((await users.get('old'))!.passwordHash).toBe(passwordHash);
      const login = await request(server)
        .post('/login')
        .send({ username: 'old', password: 'legacy-password' });
      expect(login.status).toBe(200);
      const rehashed = (await users.get('old'))!.passwordHash;
      expect(rehashed).toMatch(/^\$scrypt\$/);
      expect(await mixnmatch.verifyPassword('legacy-password', rehashed)).toBe(true);
      expect(
        (
          await request(server)
            .post('/login')
            .send({ username: 'old', password: 'legacy-password' })
        ).status,
      ).toBe(200);
    },
  );

  it('takes them in a users list, and refuses what it cannot check in reasonable time', () => {
    expect(() =>
      mixnmatch.auth({ users: [{ username: 'a', passwordHash: digest('sha256', 'x') }] }),
    ).not.toThrow();
    const costly = bcrypt.hashSync('x', 4).replace(/^\$2b\$04\$/, '$2b$13$');
    expect(() => mixnmatch.auth({ users: [{ username: 'a', passwordHash: costly }] })).toThrow(
      /bcrypt hash of cost 13: more than 12/,
    );
    for (const odd of ['sha256:abc', 'md4:' + '0'.repeat(32), '$2x$04$' + 'a'.repeat(53)]) {
      expect(() => mixnmatch.auth({ users: [{ username: 'a', passwordHash: odd }] })).toThrow(
        /nor one the original wrote/,
      );
    }
  });
});
