import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { expectHeaders, rawRequest, tempTree, fakeClock } from './helpers';
import { sessionStoreContract } from 'mixnmatch/testing';
import { testCertificate } from './helpers/tls';

const COOKIE = /^SESSION=([0-9a-f]{64}); Path=\/; HttpOnly$/;

/** The original's test server for auth: secrets 'secret' and '/topsecret', everything else answered by a catch-all. */
function app(opts: mixnmatch.AuthOptions = { secrets: ['secret', '/topsecret'] }) {
  const server = express();
  server.use(mixnmatch.canonicalize());
  server.use(mixnmatch.auth(opts));
  server.get('/{*rest}', (req, res) => {
    const session = mixnmatch.getSession(req);
    res
      .type('text/plain')
      .send(`served ${req.path}${session ? ` to ${session.id.slice(0, 8)}` : ''}`);
  });
  server.use(mixnmatch.errorHandler());
  return server;
}

function sessionCookie(res: request.Response): string {
  const header = (res.headers['set-cookie'] as unknown as string[] | undefined)?.[0] ?? '';
  const match = COOKIE.exec(header);
  if (!match) throw new Error(`no session cookie in ${header}`);
  return `SESSION=${match[1]}`;
}

describe('auth()', () => {
  describe("the original's login flow", () => {
    const server = app();

    it('refuses secrets without a cookie, and leaves /foo/topsecret/ open', async () => {
      for (const path of ['/secret/', '/topsecret/', '/foo/secret/', '/topsecret/x/y', '/secret']) {
        const res = await request(server).get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
        expect(res.text).toContain('This path needs a session: log in at /login first.');
      }
      expect((await request(server).get('/foo/topsecret/')).status).toBe(200);
      expect((await request(server).get('/secretive/')).status).toBe(200);
    });

    it('tells a browser what /login and /logout did (a line of HTML); other clients get the empty 200', async () => {
      const browser = 'text/html,application/xhtml+xml,*/*;q=0.8';
      const login = await request(server).get('/login').set('Accept', browser);
      expect(login.status).toBe(200);
      expect(login.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(login.text).toContain('<p>Logged in: a new session (the SESSION cookie).</p>');
      expect(login.headers.vary).toBe('Accept');
      const logout = await request(server)
        .get('/logout')
        .set('Accept', browser)
        .set('Cookie', sessionCookie(login));
      expect(logout.text).toContain('<p>Logged out: the session is gone.</p>');
      const plain = await request(server).get('/login').set('Accept', '*/*');
      expect(plain.status).toBe(200);
      expect(plain.text).toBe('');
      expect((await request(server).get('/login?goto=/x').set('Accept', browser)).status).toBe(302);
      const users = app({ users: [{ username: 'ann', password: 'annie-password' }] });
      const signed = await request(users)
        .post('/login')
        .set('Accept', browser)
        .type('form')
        .send({ username: 'ann', password: 'annie-password' });
      expect(signed.text).toContain('<p>Logged in as ann.</p>');
    });

    it('logs in, serves the secret, logs out, and refuses the old cookie', async () => {
      const login = await request(server).get('/login');
      expect(login.status).toBe(200);
      expect(login.text).toBe('');
      expectHeaders(login, { 'content-length': '0' });
      const cookie = sessionCookie(login);

      const secret = await request(server).get('/secret/').set('Cookie', cookie);
      expect(secret.status).toBe(200);
      expect(secret.text).toBe(`served /secret/ to ${cookie.slice(8, 16)}`);

      const logout = await request(server).get('/logout').set('Cookie', cookie);
      expect(logout.status).toBe(200);
      const cleared = (logout.headers['set-cookie'] as unknown as string[])[0]!;
      expect(cleared).toMatch(/^SESSION=; /);
      expect(cleared).toContain('Max-Age=0');
      expect(cleared).toContain('Expires=Thu, 01 Jan 1970 00:00:00 GMT');

      expect((await request(server).get('/secret/').set('Cookie', cookie)).status).toBe(401);
    });

    it('drops the previous session on a new login', async () => {
      const first = sessionCookie(await request(server).get('/login'));
      expect((await request(server).get('/secret/').set('Cookie', first)).status).toBe(200);
      const second = sessionCookie(await request(server).get('/login').set('Cookie', first));
      expect(second).not.toBe(first);
      expect((await request(server).get('/secret/').set('Cookie', first)).status).toBe(401);
      expect((await request(server).get('/secret/').set('Cookie', second)).status).toBe(200);
    });

    it('issues a different 256-bit id each time', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 20; i++) ids.add(sessionCookie(await request(server).get('/login')));
      expect(ids.size).toBe(20);
    });

    it('sets mixnmatch.getSession(req) for a request with a valid cookie, on any path', async () => {
      const cookie = sessionCookie(await request(server).get('/login'));
      expect((await request(server).get('/open').set('Cookie', cookie)).text).toBe(
        `served /open to ${cookie.slice(8, 16)}`,
      );
      expect((await request(server).get('/open')).text).toBe('served /open');
    });
  });

  describe('goto', () => {
    const server = app();

    it('redirects with 302 to the decoded address after login and logout', async () => {
      const login = await request(server).get('/login?goto=%2Fsecret%2F%3Fa%3D1');
      expect(login.status).toBe(302);
      expectHeaders(login, { location: '/secret/?a=1' });
      expect(login.headers['set-cookie']).toBeDefined();
      const logout = await request(server).get('/logout?goto=http://example.com/bye');
      expect(logout.status).toBe(302);
      expectHeaders(logout, { location: 'http://example.com/bye' });
    });

    it('percent-encodes spaces and non-ASCII characters', async () => {
      const res = await request(server).get('/login?goto=/a%20b/caf%C3%A9');
      expect(res.status).toBe(302);
      expectHeaders(res, { location: '/a%20b/caf%C3%A9' });
    });

    it.each([
      'javascript:alert(1)',
      'data:text/html,<script>x</script>',
      '/a%0d%0aSet-Cookie:%20x=1',
      '/a%00',
    ])('refuses %s with 400 and issues no session', async (goto) => {
      const res = await request(server).get(
        `/login?goto=${encodeURIComponent(decodeURIComponent(goto))}`,
      );
      expect(res.status).toBe(400);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.headers['location']).toBeUndefined();
    });

    it('treats an empty goto as none', async () => {
      expect((await request(server).get('/login?goto=')).status).toBe(200);
    });
  });

  describe('bypass attempts', () => {
    const server = app();
    const leak: express.RequestHandler = (_req, res) => {
      res.send('LEAKED');
    };
    const bare = express().use(
      mixnmatch.auth({ secrets: ['secret', '/topsecret'] }),
      leak,
      mixnmatch.errorHandler(),
    );

    const attempts = [
      '//secret/',
      '///topsecret/x',
      '/x/../secret/',
      '/x/../topsecret/',
      '/%73ecret/',
      '/%2e%2e/secret/',
      '/foo%2f..%2fsecret/',
      '/foo%2fsecret/',
      '/SeCrEt/',
      '/TOPSECRET/',
      '/secret./',
      '/secret%20/',
      '/./secret',
      '/foo/./secret/x',
      '/topsecret%2fx',
    ];

    it.each(attempts)('%s → 401 with canonicalize()', async (path) => {
      const res = await request(server).get(path);
      expect(res.status).toBe(401);
    });

    it.each(attempts)('%s → 401 without canonicalize()', async (path) => {
      const res = await request(bare).get(path);
      expect(res.status).toBe(401);
      expect(res.text).not.toContain('LEAKED');
    });

    it('refuses an undecodable path with 400 rather than letting it through', async () => {
      const res = await request(bare).get('/secret%E0%A4%A/');
      expect(res.status).toBe(400);
    });

    it.each([
      ['a forged id', `SESSION=${'a'.repeat(64)}`],
      ['an overlong id', `SESSION=${'a'.repeat(10_000)}`],
      ['garbage', 'SESSION=%%%;;;==='],
      ['an uppercase id', `SESSION=${'A'.repeat(64)}`],
      ['an empty value', 'SESSION='],
      ['a broken header', 'SESSION'],
      ['another cookie only', 'OTHER=1'],
    ])('%s → 401, never 500', async (_name, cookie) => {
      const res = await request(server).get('/secret/').set('Cookie', cookie);
      expect(res.status).toBe(401);
    });

    it('takes a raw control character in the request line without crashing', async () => {
      const res = await rawRequest(server, 'GET /secret/%0d%0a HTTP/1.1\r\nHost: x');
      expect(res.status).toBe(401);
    });
  });

  describe('cookie attributes', () => {
    it('adds Secure over TLS, through a trusted proxy', async () => {
      const server = app();
      server.set('trust proxy', 'loopback');
      const res = await request(server).get('/login').set('X-Forwarded-Proto', 'https');
      expect((res.headers['set-cookie'] as unknown as string[])[0]).toMatch(/; HttpOnly; Secure$/);
      const plain = await request(server).get('/login');
      expect((plain.headers['set-cookie'] as unknown as string[])[0]).toMatch(COOKIE);
    });

    it('adds Secure on a real https server', async () => {
      const { key, cert } = await testCertificate();
      const server = createServer({ key, cert }, app());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const res = await request(`https://127.0.0.1:${port}`)
          .get('/login')
          .trustLocalhost(true)
          .ca(cert);
        expect((res.headers['set-cookie'] as unknown as string[])[0]).toMatch(
          /; HttpOnly; Secure$/,
        );
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('takes sameSite and a secure override', async () => {
      const res = await request(app({ cookie: { sameSite: 'lax', secure: true } })).get('/login');
      expect((res.headers['set-cookie'] as unknown as string[])[0]).toMatch(
        /^SESSION=[0-9a-f]{64}; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
      );
      const never = await request(app({ cookie: { secure: false } }))
        .get('/login')
        .set('X-Forwarded-Proto', 'https');
      expect((never.headers['set-cookie'] as unknown as string[])[0]).not.toContain('Secure');
    });

    it('always sends Secure with SameSite=None, also over plain http', async () => {
      const res = await request(app({ cookie: { sameSite: 'none' } })).get('/login');
      expect((res.headers['set-cookie'] as unknown as string[])[0]).toMatch(
        /^SESSION=[0-9a-f]{64}; Path=\/; HttpOnly; Secure; SameSite=None$/,
      );
      const logout = await request(app({ cookie: { sameSite: 'none' } })).get('/logout');
      expect((logout.headers['set-cookie'] as unknown as string[])[0]).toContain(
        'Secure; SameSite=None',
      );
    });

    it('takes the cookie in express-session’s shape: path, domain, maxAge (a persistent cookie), partitioned', async () => {
      const res = await request(
        app({
          cookie: { path: '/app', domain: 'example.test', maxAge: 3_600_000, partitioned: true },
        }),
      ).get('/login');
      const header = (res.headers['set-cookie'] as unknown as string[])[0]!;
      expect(header).toMatch(
        /^SESSION=[0-9a-f]{64}; Max-Age=3600; Domain=example\.test; Path=\/app; HttpOnly; Secure; Partitioned$/,
      );
      // Without maxAge, a session cookie, as before.
      expect((await request(app()).get('/login')).headers['set-cookie']![0]).not.toMatch(/Max-Age/);
    });

    it('takes the old cookieName, sameSite and secure, and says once each that they are deprecated', async () => {
      const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      const old = app({ cookieName: 'sid', sameSite: 'lax', secure: true });
      app({ cookieName: 'sid' });
      const header = (await request(old).get('/login')).headers['set-cookie']![0]!;
      expect(header).toMatch(/^sid=[0-9a-f]{64}; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      const said = warn.mock.calls.map(([message]) => String(message));
      for (const [key, now] of [
        ['cookieName', 'cookie.name'],
        ['sameSite', 'cookie.sameSite'],
        ['secure', 'cookie.secure'],
      ]) {
        expect(said.filter((m) => m.includes(`"${key}" is deprecated: use "${now}"`)).length).toBe(
          1,
        );
      }
      warn.mockRestore();
    });

    it('takes another cookie name', async () => {
      const server = app({ secrets: ['secret'], cookie: { name: 'sid' } });
      const login = await request(server).get('/login');
      const header = (login.headers['set-cookie'] as unknown as string[])[0]!;
      expect(header).toMatch(/^sid=[0-9a-f]{64}; /);
      const cookie = header.split(';')[0]!;
      expect((await request(server).get('/secret/').set('Cookie', cookie)).status).toBe(200);
      expect(
        (await request(server).get('/secret/').set('Cookie', cookie.replace('sid', 'SESSION')))
          .status,
      ).toBe(401);
    });
  });

  describe('maxSessions option', () => {
    it('evicts the least recently used session first', async () => {
      const server = app({ secrets: ['secret'], maxSessions: 3 });
      const [a, b, c] = [
        sessionCookie(await request(server).get('/login')),
        sessionCookie(await request(server).get('/login')),
        sessionCookie(await request(server).get('/login')),
      ];
      // Use a, so b is now the least recently used.
      expect((await request(server).get('/secret/').set('Cookie', a!)).status).toBe(200);
      const d = sessionCookie(await request(server).get('/login'));
      expect((await request(server).get('/secret/').set('Cookie', b!)).status).toBe(401);
      for (const cookie of [a!, c!, d]) {
        expect((await request(server).get('/secret/').set('Cookie', cookie)).status).toBe(200);
      }
    });

    it('lets new logins in when full (the original refused them)', async () => {
      const server = app({ secrets: ['secret'], maxSessions: 1 });
      sessionCookie(await request(server).get('/login'));
      const latest = sessionCookie(await request(server).get('/login'));
      expect((await request(server).get('/secret/').set('Cookie', latest)).status).toBe(200);
    });
  });

  describe('ttl option', () => {
    it('ends a session after ttl milliseconds', async () => {
      // Only the clock is faked: a slow machine cannot make the session expire early.
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
      try {
        const server = app({ secrets: ['secret'], ttl: 60_000 });
        const cookie = sessionCookie(await request(server).get('/login'));
        expect((await request(server).get('/secret/').set('Cookie', cookie)).status).toBe(200);
        jest.setSystemTime(Date.now() + 59_000);
        expect((await request(server).get('/secret/').set('Cookie', cookie)).status).toBe(200);
        jest.setSystemTime(Date.now() + 1_000);
        expect((await request(server).get('/secret/').set('Cookie', cookie)).status).toBe(401);
      } finally {
        jest.useRealTimers();
      }
    });
  });

  describe('store option', () => {
    it('keeps sessions in the given store', async () => {
      const store = new mixnmatch.MemorySessionStore({ maxSessions: 10 });
      const server = app({ secrets: ['secret'], store });
      const cookie = sessionCookie(await request(server).get('/login'));
      expect(store.size).toBe(1);
      const data = await store.get(cookie.slice(8));
      expect(data?.expiresAt).toBeGreaterThan(Date.now());
    });

    it('passes a failing store to the error handler', async () => {
      const store: mixnmatch.SessionStore = {
        get: () => Promise.reject(new Error('store down')),
        set: () => undefined,
        delete: () => undefined,
      };
      const res = await request(app({ secrets: ['secret'], store }))
        .get('/secret/')
        .set('Cookie', `SESSION=${'b'.repeat(64)}`);
      expect(res.status).toBe(500);
    });

    it('with a failing store, serves what needs no session and answers the store’s error for what does', async () => {
      const down = Object.assign(new Error('store down'), { status: 503, expose: true });
      const store: mixnmatch.SessionStore = {
        get: () => Promise.reject(down),
        set: () => undefined,
        delete: () => undefined,
      };
      const server = express();
      server.use(mixnmatch.auth({ secrets: ['secret'], store }));
      server.get('/open', (_req, res) => res.send('open'));
      server.get('/me', mixnmatch.requireSession(), (_req, res) => res.send('me'));
      server.use(mixnmatch.errorHandler({ log: false }));
      const cookie = `SESSION=${'b'.repeat(64)}`;
      expect((await request(server).get('/open').set('Cookie', cookie)).text).toBe('open');
      expect((await request(server).get('/secret/').set('Cookie', cookie)).status).toBe(503);
      // requireSession() after it says the same, not "log in".
      expect((await request(server).get('/me').set('Cookie', cookie)).status).toBe(503);
      expect((await request(server).get('/me')).status).toBe(401);
    });
  });

  describe('requireSession()', () => {
    const server = express();
    server.use(mixnmatch.auth());
    server.get('/account', mixnmatch.requireSession(), (req, res) => {
      res.send(`account of ${mixnmatch.getSession(req)!.id.slice(0, 8)}`);
    });
    server.use(mixnmatch.errorHandler());

    it('guards a single route', async () => {
      expect((await request(server).get('/account')).status).toBe(401);
      const cookie = sessionCookie(await request(server).get('/login'));
      expect((await request(server).get('/account').set('Cookie', cookie)).text).toBe(
        `account of ${cookie.slice(8, 16)}`,
      );
    });
  });

  describe('protecting a folder served by serveStatic', () => {
    const tree = tempTree({
      'public/index.html': 'home',
      'public/private/data.txt': 'private data',
    });
    afterAll(() => tree.remove());
    const server = express();
    server.use(mixnmatch.canonicalize());
    server.use(mixnmatch.auth({ secrets: ['/private'] }));
    server.use(mixnmatch.serveStatic(`${tree.root}/public`, { fallthrough: false }));
    server.use(mixnmatch.errorHandler());

    it('serves the folder only with a session', async () => {
      expect((await request(server).get('/private/data.txt')).status).toBe(401);
      expect((await request(server).get('/PRIVATE/data.txt')).status).toBe(401);
      const cookie = sessionCookie(await request(server).get('/login'));
      const res = await request(server).get('/private/data.txt').set('Cookie', cookie);
      expect(res.text).toBe('private data');
      expect((await request(server).get('/')).text).toBe('home');
    });
  });

  describe('mounted under a prefix', () => {
    const server = express();
    server.use(mixnmatch.canonicalize());
    server.use('/app', mixnmatch.auth({ secrets: ['/admin'] }));
    server.use((_req, res) => {
      res.send('open');
    });
    server.use(mixnmatch.errorHandler());

    it('serves /app/login and anchors secrets at /app', async () => {
      const login = await request(server).get('/app/login');
      expect(login.status).toBe(200);
      expect((login.headers['set-cookie'] as unknown as string[])[0]).toMatch(COOKIE);
      const res = await request(server).get('/app/admin/x');
      expect(res.status).toBe(401);
      expect(res.text).toContain('log in at /app/login first');
      expect((await request(server).get('/admin/x')).status).toBe(200);
    });
  });

  it('answers methods other than GET on /login with 405', async () => {
    const res = await request(app()).post('/login');
    expect(res.status).toBe(405);
  });

  describe('options', () => {
    it.each<[string, unknown, RegExp]>([
      [
        'secrets that are not an array',
        { secrets: 'secret' },
        /auth\(\): "secrets" must be an array of paths/,
      ],
      ['an empty secret', { secrets: ['/'] }, /secret "\/" must be a path/],
      [
        'a bad cookie name',
        { cookie: { name: 'a b' } },
        /"cookieName" must be a cookie name token/,
      ],
      ['a bad ttl', { ttl: -1 }, /"ttl" must be a positive number of milliseconds/],
      [
        'a bad sameSite',
        { cookie: { sameSite: 'loose' } },
        /"sameSite" must be "strict", "lax" or "none"/,
      ],
      [
        'sameSite none without Secure',
        { cookie: { sameSite: 'none', secure: false } },
        /needs Secure cookies/,
      ],
      [
        'a cookie path not from the root',
        { cookie: { path: 'x' } },
        /"cookie.path" must be a path from the root/,
      ],
      [
        'a cookie domain with a path',
        { cookie: { domain: 'a.test/x' } },
        /"cookie.domain" must be a host name/,
      ],
      [
        'a cookie maxAge of 0',
        { cookie: { maxAge: 0 } },
        /"cookie.maxAge" must be a positive number of milliseconds/,
      ],
      [
        'partitioned without Secure',
        { cookie: { partitioned: true, secure: false } },
        /"cookie.partitioned" needs Secure cookies/,
      ],
      [
        'an unknown cookie key',
        { cookie: { httpOnly: false } },
        /"cookie" has an unknown key "httpOnly"/,
      ],
      [
        'one setting both ways',
        { sameSite: 'lax', cookie: { sameSite: 'lax' } },
        /"sameSite" and "cookie.sameSite" are the same setting/,
      ],
      ['a bad maxSessions', { maxSessions: 0 }, /"maxSessions" must be a positive integer/],
      [
        'a store without delete',
        { store: { get() {}, set() {} } },
        /"store" is missing the method delete\(\)/,
      ],
      [
        'maxSessions with a store',
        { store: new mixnmatch.MemorySessionStore(), maxSessions: 5 },
        /cap it there/,
      ],
      ['an unknown option', { secret: [] }, /unknown option "secret"\. Did you mean "secrets"\?/],
    ])('rejects %s', (_name, opts, message) => {
      expect(() => mixnmatch.auth(opts as mixnmatch.AuthOptions)).toThrow(message);
    });

    it('is exported as authRouter too', () => {
      expect(mixnmatch.authRouter).toBe(mixnmatch.auth);
    });
  });
});

describe('MemorySessionStore', () => {
  it('expires sessions lazily, by expiresAt', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const store = new mixnmatch.MemorySessionStore();
      store.set('a'.repeat(64), { createdAt: 1_000_000, expiresAt: 1_000_500 });
      expect(store.get('a'.repeat(64))).toBeDefined();
      jest.setSystemTime(1_000_500);
      expect(store.get('a'.repeat(64))).toBeUndefined();
      expect(store.size).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('rejects a bad maxSessions', () => {
    expect(() => new mixnmatch.MemorySessionStore({ maxSessions: 0 })).toThrow(/positive integer/);
  });
});

sessionStoreContract('MemorySessionStore', () => new mixnmatch.MemorySessionStore(), {
  bounded: (maxSessions) => new mixnmatch.MemorySessionStore({ maxSessions }),
  passTime: fakeClock(),
});

describe('auth() on a bare http.createServer (no Express app)', () => {
  /** The router called as Node's request listener, with a done callback answering what it passes on. */
  function bare(opts: mixnmatch.AuthOptions) {
    const router = mixnmatch.auth(opts);
    return createHttpServer((req, res) => {
      router(req as express.Request, res as express.Response, (err?: unknown) => {
        const status = (err as { status?: number } | undefined)?.status ?? (err ? 500 : 200);
        res.statusCode = status;
        res.end(err ? (err as Error).message : 'passed on');
      });
    });
  }

  it('logs in with ?goto=, guards a secret, and logs out', async () => {
    const server = bare({ secrets: ['secret'] });
    const login = await request(server).get('/login?goto=/secret/x');
    expect(login.status).toBe(302);
    expect(login.headers.location).toBe('/secret/x');
    const cookie = (login.headers['set-cookie'] as unknown as string[])[0]!;
    expect(cookie).toMatch(COOKIE);
    const session = cookie.split(';')[0]!;
    expect((await request(server).get('/secret/x')).status).toBe(401);
    expect((await request(server).get('/secret/x').set('Cookie', session)).text).toBe('passed on');
    const logout = await request(server).get('/logout?goto=/bye').set('Cookie', session);
    expect(logout.status).toBe(302);
    expect((await request(server).get('/secret/x').set('Cookie', session)).status).toBe(401);
  });

  it('decides its rules on the path of the request', async () => {
    const server = bare({ rules: [{ pattern: '^/admin' }], secrets: ['/topsecret'] });
    for (const path of ['/admin/x', '/ADMIN/x', '/x/../admin/x', '/topsecret/x']) {
      expect({ path, status: (await request(server).get(path)).status }).toEqual({
        path,
        status: 401,
      });
    }
    expect((await request(server).get('/open')).status).toBe(200);
  });

  it('logs in with credentials', async () => {
    const server = bare({
      secrets: ['secret'],
      users: [{ username: 'ann', password: 'annie-password' }],
      scrypt: { cost: 1024 },
    });
    const login = await request(server)
      .post('/login')
      .send({ username: 'ann', password: 'annie-password' });
    expect(login.status).toBe(200);
    const session = (login.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
    expect((await request(server).get('/secret/').set('Cookie', session)).text).toBe('passed on');
  });
});
