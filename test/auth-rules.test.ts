// Ordered access rules decide on the canonical path, on the path a raw-argument endpoint is handed, and in the case the app routes in.
import fc from 'fast-check';
import express from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { ARGS_ANY } from 'mixnmatch';
import { tempTree } from './helpers';
import { compileRules, decideRules } from '../src/access/rules';

const FAST_SCRYPT = { cost: 1024, blockSize: 1, parallelization: 1 };

// The property test builds an app and logs in for each of its runs.
jest.setTimeout(60_000);

const USERS: mixnmatch.UserEntry[] = [
  { username: 'alice', password: 'wonderland1', roles: ['ops'] },
  { username: 'bob', password: 'builder123' },
  { username: 'carol', password: 'carol-pass1', roles: ['staff'] },
  { username: 'mallory', password: 'mallory-pw1', roles: ['ops'] },
];
const PASSWORDS = Object.fromEntries(USERS.map((user) => [user.username, user.password!]));

/** docs/auth.md's example rules, with a staff area and a rule-protected raw-argument endpoint. */
const DOC_RULES: mixnmatch.AccessRule[] = [
  { pattern: '^/admin/public', public: true },
  { pattern: '^/admin/', users: ['alice'], roles: ['ops'], except: ['mallory'] },
  { pattern: '^/members/' },
  { pattern: '^/staff/', roles: ['staff'] },
  { pattern: '^/raw(?:/|$)', roles: ['ops'] },
];

const tree = tempTree({
  'admin/secret.txt': 'ADMIN SECRET',
  'admin/public/info.txt': 'public info',
  'members/list.txt': 'members list',
  'staff/pay.txt': 'STAFF PAY',
  'open.txt': 'open',
});
afterAll(() => tree.remove());

interface Built {
  app: express.Express;
  ran: string[];
}

/** canonicalize, auth with `rules`, a raw-argument endpoint, a route, static files. */
function build(
  rules: mixnmatch.AccessRule[],
  options: { caseSensitiveRouting?: boolean; caseSensitiveEndpoints?: boolean } = {},
): Built {
  const ran: string[] = [];
  const app = express();
  if (options.caseSensitiveRouting) app.set('case sensitive routing', true);
  app.use(mixnmatch.canonicalize());
  app.use(mixnmatch.auth({ users: USERS, rules, scrypt: FAST_SCRYPT, lockout: false }));
  app.use(
    mixnmatch.endpoints(
      { raw: { args: ARGS_ANY, rawArgs: true } },
      {
        raw(req, res) {
          ran.push(req.endpoint.args);
          res.type('text/plain').send('RAW RAN');
        },
      },
      options.caseSensitiveEndpoints === undefined
        ? undefined
        : { caseSensitive: options.caseSensitiveEndpoints },
    ),
  );
  app.get('/admin/panel', (_req, res) => void res.type('text/plain').send('ADMIN PANEL'));
  app.use(mixnmatch.serveStatic(tree.root));
  app.use(mixnmatch.errorHandler());
  return { app, ran };
}

async function login(app: express.Express, username: string): Promise<string> {
  const res = await request(app)
    .post('/login')
    .type('form')
    .send({ username, password: PASSWORDS[username] });
  expect(res.status).toBe(200);
  return (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
}

describe('rules decide on the canonical path', () => {
  const { app, ran } = build(DOC_RULES);
  let cookies: Record<string, string>;
  beforeAll(async () => {
    cookies = {};
    for (const user of USERS) cookies[user.username] = await login(app, user.username);
  });

  it.each([
    '/admin/public/../secret.txt',
    '/admin/public/x/../../secret.txt',
    '/admin/public%2f..%2fsecret.txt',
    '/admin/public/%2e%2e/secret.txt',
    '/admin//public/../secret.txt',
  ])('%s → 401 without a session, the secret never sent', async (path) => {
    const res = await request(app).get(path);
    expect({ path, status: res.status }).toEqual({ path, status: 401 });
    expect(res.text).not.toContain('ADMIN SECRET');
  });

  it('still serves the public carve-out to anyone', async () => {
    const res = await request(app).get('/admin/public/info.txt');
    expect(res.status).toBe(200);
    expect(res.text).toBe('public info');
  });

  it.each([
    '/members/../staff/pay.txt',
    '/members/x/..//../staff/pay.txt',
    '/members/%2e%2e/staff/pay.txt',
  ])('%s → 403 for a signed-in user without the role', async (path) => {
    const res = await request(app).get(path).set('Cookie', cookies.bob!);
    expect({ path, status: res.status }).toEqual({ path, status: 403 });
    expect(res.text).not.toContain('STAFF PAY');
    const carol = await request(app).get(path).set('Cookie', cookies.carol!);
    expect(carol.status).toBe(200);
    expect(carol.text).toBe('STAFF PAY');
  });

  it('a spelling through a protected place does not protect an open file', async () => {
    const res = await request(app).get('/admin/../open.txt');
    expect(res.status).toBe(200);
  });

  describe('and on the path a raw-argument endpoint is handed', () => {
    it.each([
      '/x/../raw/..',
      '/raw/..',
      '/members/../raw/x',
      '//raw//..',
      '/admin/public/../../raw/..',
    ])(
      '%s → 401 without a session, 403 for a user without the role; the handler never runs',
      async (path) => {
        ran.length = 0;
        expect((await request(app).get(path)).status).toBe(401);
        expect((await request(app).get(path).set('Cookie', cookies.bob!)).status).toBe(403);
        expect(ran).toEqual([]);
        const ok = await request(app).get(path).set('Cookie', cookies.alice!);
        expect(ok.status).toBe(200);
        expect(ran).toHaveLength(1);
      },
    );
  });
});

describe('rules decide for any spelling as on the canonical path (property)', () => {
  const PATTERNS = [
    '^/admin/public',
    '^/admin/',
    '^/admin',
    '^/members/',
    '^/staff/',
    'secret',
    '\\.txt$',
    '^/a[bd]min/p',
    '^/ADMIN/x',
    '^/(?:staff|members)/[a-z]+\\.txt$',
    '/$',
    '^/[^/]+/[^/]+$',
  ];
  const KINDS: Omit<mixnmatch.AccessRule, 'pattern'>[] = [
    { public: true },
    {},
    { roles: ['ops'] },
    { users: ['bob'] },
    { roles: ['ops'], except: ['mallory'] },
    { roles: ['staff'], caseSensitive: false },
  ];
  const rule = fc
    .tuple(fc.constantFrom(...PATTERNS), fc.constantFrom(...KINDS))
    .map(([pattern, kind]) => ({ pattern, ...kind }));
  const SEGMENTS = ['admin', 'public', 'members', 'staff', 'secret.txt', 'x.txt', 'panel', 'x'];
  const canonical = fc
    .tuple(fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([segments, slash]) => `/${segments.join('/')}${slash ? '/' : ''}`);

  /** One segment spelled another way: a detour, a `.`, a doubled slash, a percent-encoding, another case. */
  const respell = (segment: string, how: number, at: number): string => {
    switch (how) {
      case 0:
        return `zz/../${segment}`;
      case 1:
        return `./${segment}`;
      case 2:
        return `/${segment}`;
      case 3: {
        const i = at % segment.length;
        const code = segment.charCodeAt(i).toString(16).padStart(2, '0');
        return `${segment.slice(0, i)}%${at % 2 ? code.toUpperCase() : code}${segment.slice(i + 1)}`;
      }
      case 4:
        return segment.replace(/[a-z]/g, (c, i: number) => ((i + at) % 2 ? c.toUpperCase() : c));
      case 5:
        return `${segment}/%2e%2e/${segment}`;
      default:
        return segment;
    }
  };
  const spelling = (path: string) =>
    fc
      .array(fc.tuple(fc.integer({ min: 0, max: 7 }), fc.nat(99)), {
        minLength: 8,
        maxLength: 8,
      })
      .map((choices) =>
        path
          .split('/')
          .map((segment, i) => {
            if (segment === '') return segment;
            const [how, at] = choices[i % choices.length]!;
            return respell(segment, how, at);
          })
          .join('/'),
      );

  it('for random rule lists, spellings and users', async () => {
    const users = [undefined, 'alice', 'bob', 'carol', 'mallory'] as const;
    // Sessions come from an app without rules (a rule may well cover /login), sharing the store.
    const store = new mixnmatch.MemorySessionStore();
    const loginApp = express().use(
      mixnmatch.auth({ users: USERS, store, scrypt: FAST_SCRYPT, lockout: false }),
    );
    const cookies: Record<string, string> = {};
    for (const user of USERS) cookies[user.username] = await login(loginApp, user.username);
    await fc.assert(
      fc.asyncProperty(
        fc.array(rule, { minLength: 1, maxLength: 5 }),
        canonical.chain((path) => fc.tuple(fc.constant(path), spelling(path))),
        fc.constantFrom(...users),
        async (rules, [path, spelled], user) => {
          const app = express();
          app.use(mixnmatch.canonicalize());
          app.use(
            mixnmatch.auth({ users: USERS, rules, store, scrypt: FAST_SCRYPT, lockout: false }),
          );
          app.use((_req, res) => void res.send('in'));
          app.use(mixnmatch.errorHandler());
          const cookie = user ? cookies[user] : undefined;
          const ask = (target: string) => {
            const req = request(app).get(target);
            return cookie ? req.set('Cookie', cookie) : req;
          };
          const expected = (await ask(path)).status;
          const actual = (await ask(spelled)).status;
          expect({ rules, path, spelled, user, status: actual }).toEqual({
            rules,
            path,
            spelled,
            user,
            status: expected,
          });
        },
      ),
      { numRuns: 250 },
    );
  });
});

describe('rules in the case the app routes in', () => {
  it('cover /ADMIN/panel, which Express routes to /admin/panel by default', async () => {
    const { app } = build(DOC_RULES);
    const res = await request(app).get('/ADMIN/panel');
    expect(res.status).toBe(401);
    expect(res.text).not.toContain('ADMIN PANEL');
    expect((await request(app).get('/Admin/Secret.txt')).status).toBe(401);
  });

  it('match letters in either case even where the app has case sensitive routing: a Router in it ignores case', async () => {
    const { app } = build(DOC_RULES, { caseSensitiveRouting: true });
    const router = express.Router();
    router.get('/staff/board', (_req, res) => void res.send('STAFF BOARD'));
    app.use(router);
    for (const path of ['/ADMIN/panel', '/admin/panel', '/STAFF/board', '/Staff/Board']) {
      expect({ path, status: (await request(app).get(path)).status }).toEqual({
        path,
        status: 401,
      });
    }
  });

  it('follow a rule’s own caseSensitive over the app’s', async () => {
    const strict = build([{ pattern: '^/admin/', caseSensitive: true }]);
    expect((await request(strict.app).get('/admin/panel')).status).toBe(401);
    expect((await request(strict.app).get('/ADMIN/panel')).status).toBe(200);
    const loose = build([{ pattern: '^/admin/', caseSensitive: false }], {
      caseSensitiveRouting: true,
    });
    expect((await request(loose.app).get('/ADMIN/x')).status).toBe(401);
  });

  it('refuse a caseSensitive that is not a boolean', () => {
    expect(() =>
      mixnmatch.auth({ rules: [{ pattern: '^/a', caseSensitive: 'yes' as unknown as boolean }] }),
    ).toThrow(/rule 1: "caseSensitive" must be true or false/);
  });

  it('cover an endpoint matched in another case, even where the app routes in one case', async () => {
    const { app, ran } = build(DOC_RULES, {
      caseSensitiveRouting: true,
      caseSensitiveEndpoints: false,
    });
    for (const path of ['/RAW/x', '/Raw/..', '/x/../rAw/y']) {
      ran.length = 0;
      expect({ path, status: (await request(app).get(path)).status }).toEqual({
        path,
        status: 401,
      });
      expect(ran).toEqual([]);
    }
    const alice = await login(app, 'alice');
    const res = await request(app).get('/RAW/x').set('Cookie', alice);
    expect(res.status).toBe(200);
    expect(ran).toEqual(['x']);
  });
});

describe('the path each router resolves for itself', () => {
  const files = tempTree({
    'secret.txt': 'SECRET',
    'admin/index.html': 'ADMIN INDEX',
    'p/x.txt': 'P X',
  });
  afterAll(() => files.remove());

  const rawEndpoints = () =>
    mixnmatch.endpoints(
      { raw: { args: ARGS_ANY, rawArgs: true }, plain: {} },
      {
        raw: (_req, res) => void res.send('RAW RAN'),
        plain: (_req, res) => void res.send('PLAIN RAN'),
      },
    );

  it.each(['/panel/', '/panel%2f', '/%70anel/', '/panel'])(
    'a $-anchored rule covers %s, which Express routes to /panel',
    async (path) => {
      const app = express();
      app.use(mixnmatch.canonicalize());
      app.use(mixnmatch.auth({ rules: [{ pattern: '^/panel$' }] }));
      app.get('/panel', (_req, res) => void res.send('PANEL'));
      app.use(mixnmatch.errorHandler());
      expect((await request(app).get(path)).status).toBe(401);
    },
  );

  it.each<[string, mixnmatch.AuthOptions]>([
    ['a rule', { rules: [{ pattern: '^/admin/index\\.html$' }] }],
    ['a secret', { secrets: ['/admin/index.html'] }],
  ])('%s on an index file covers the folder that serves it', async (_name, opts) => {
    const app = express();
    app.use(mixnmatch.canonicalize());
    app.use(mixnmatch.auth(opts));
    app.use(mixnmatch.serveStatic(files.root));
    app.use(mixnmatch.errorHandler());
    for (const path of ['/admin/', '/admin/.', '/admin/index.html']) {
      const res = await request(app).get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
      expect(res.text).not.toContain('ADMIN INDEX');
    }
  });

  describe('in an app without canonicalize()', () => {
    it.each(['/secret.txt/.', '/secret.txt/x/..', '/secret.txt/%2e', '/secret.txt%2f.'])(
      '%s is decided as /secret.txt',
      async (path) => {
        const app = express();
        app.use(mixnmatch.auth({ rules: [{ pattern: '^/secret\\.txt$' }] }));
        app.use(mixnmatch.serveStatic(files.root));
        app.use(mixnmatch.errorHandler());
        const res = await request(app).get(path);
        expect(res.text).not.toContain('SECRET');
        expect([401, 404]).toContain(res.status);
      },
    );

    it.each(['/p/../raw', '/p/%2e%2e/raw', '/p/../../raw/x', '/p/../plain'])(
      'auth() at /p covers %s, which the endpoints at /p resolve below /p',
      async (path) => {
        const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
        try {
          const app = express();
          app.use('/p', mixnmatch.auth({ rules: [{ pattern: '^/(raw|plain)' }] }));
          app.use('/p', rawEndpoints());
          app.use(mixnmatch.errorHandler());
          const res = await request(app).get(path);
          expect({ path, status: res.status }).toEqual({ path, status: 401 });
        } finally {
          warn.mockRestore();
        }
      },
    );

    it.each([
      ['/p/../raw', 'RAW RAN'],
      ['/p/../plain', 'PLAIN RAN'],
      ['/p/../x.txt', 'P X'],
    ])(
      'auth() at the root covers %s, which a router at /p resolves below /p',
      async (path, text) => {
        const app = express();
        app.use(mixnmatch.auth({ rules: [{ pattern: '^/p/' }] }));
        app.use('/p', rawEndpoints());
        app.use(
          '/p',
          mixnmatch.serveStatic(path.endsWith('.txt') ? `${files.root}/p` : files.root),
        );
        app.use(mixnmatch.errorHandler());
        const res = await request(app).get(path);
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
        expect(res.text).not.toContain(text);
      },
    );
  });
});

describe('rules over the method, and negated roles', () => {
  /** One app: `/api/` readable by any user, written by ops only; `/area/` by any user but ops. */
  function methodApp(): express.Express {
    const app = express();
    app.use(mixnmatch.canonicalize());
    app.use(
      mixnmatch.auth({
        users: USERS,
        scrypt: FAST_SCRYPT,
        lockout: false,
        rules: [
          { pattern: '^/api/', methods: ['delete', 'PUT'], roles: ['ops'] },
          { pattern: '^/api/', methods: ['GET'] },
          { pattern: '^/area/', exceptRoles: ['ops'] },
        ],
      }),
    );
    app.all('/{*rest}', (req, res) => void res.type('text/plain').send(`${req.method} ok`));
    app.use(mixnmatch.errorHandler());
    return app;
  }

  it('skips a rule whose methods do not include the request’s, and the next rule decides', async () => {
    const app = methodApp();
    const bob = await login(app, 'bob');
    const alice = await login(app, 'alice');
    const cases: [string, string, string | undefined, number][] = [
      ['DELETE', '/api/x', undefined, 401],
      ['DELETE', '/api/x', bob, 403],
      ['DELETE', '/api/x', alice, 200],
      ['PUT', '/api/x', bob, 403],
      ['GET', '/api/x', undefined, 401],
      ['GET', '/api/x', bob, 200],
      // GET covers HEAD; no rule covers POST here: not protected.
      ['HEAD', '/api/x', undefined, 401],
      ['POST', '/api/x', undefined, 200],
    ];
    for (const [method, path, cookie, status] of cases) {
      let req = request(app)[method.toLowerCase() as 'get'](path);
      if (cookie) req = req.set('Cookie', cookie);
      const res = await req;
      expect({ method, path, who: cookie?.slice(0, 12), status: res.status }).toEqual({
        method,
        path,
        who: cookie?.slice(0, 12),
        status,
      });
    }
  });

  it('decides who may have a path by the table in docs/auth.md', () => {
    // A path, each kind of rule, and each kind of asker: anyone, any user, a user, not a user, a role, not a role.
    const rules = (rule: Partial<mixnmatch.AccessRule>) => [{ pattern: '^/p', ...rule }];
    const anon = undefined;
    const plain = { username: 'bob', roles: [] };
    const ops = { username: 'alice', roles: ['ops'] };
    const guest = { username: 'gus', roles: ['guest'] };
    const table: [string, Partial<mixnmatch.AccessRule>, (number | 'allow')[]][] = [
      // rule                        anon  plain  ops  guest
      ['anyone', { public: true }, ['allow', 'allow', 'allow', 'allow']],
      ['any user', {}, [401, 'allow', 'allow', 'allow']],
      ['a user', { users: ['bob'] }, [401, 'allow', 403, 403]],
      ['not a user', { except: ['bob'] }, [401, 403, 'allow', 'allow']],
      ['a role', { roles: ['ops'] }, [401, 403, 'allow', 403]],
      ['not a role', { exceptRoles: ['guest'] }, [401, 'allow', 'allow', 403]],
      ['a role but a user', { roles: ['ops'], except: ['alice'] }, [401, 403, 403, 403]],
      [
        'a user or a role, not a role',
        { users: ['gus'], exceptRoles: ['guest'] },
        [401, 403, 403, 403],
      ],
      [
        'public beats exclusions',
        { public: true, exceptRoles: ['guest'] },
        ['allow', 'allow', 'allow', 'allow'],
      ],
    ];
    for (const [name, rule, expected] of table) {
      const compiled = compileRules(rules(rule));
      const got = [anon, plain, ops, guest].map((who) =>
        decideRules(compiled, '/p', who, false, 'GET'),
      );
      expect({ name, got }).toEqual({ name, got: expected });
    }
  });

  it('refuses methods that are not HTTP methods, and an empty list', () => {
    for (const methods of [[], ['GE T'], 'GET', [1]]) {
      expect(() =>
        mixnmatch.auth({ rules: [{ pattern: '^/x', methods } as unknown as mixnmatch.AccessRule] }),
      ).toThrow(/"methods" must be (a non-empty array of HTTP methods|an array of names)/);
    }
    expect(() =>
      mixnmatch.auth({
        rules: [{ pattern: '^/x', exceptRoles: 'guest' } as unknown as mixnmatch.AccessRule],
      }),
    ).toThrow(/"exceptRoles" must be an array of names/);
  });
});
