// auth() decides on every spelling of a path that dispatch, routes and files may act on.
import fc from 'fast-check';
import express from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { ARGS_ANY } from 'mixnmatch';
import { tempTree } from './helpers';

const FAST_SCRYPT = { cost: 1024, blockSize: 1, parallelization: 1 };

type Hit = { root: string; args: string };

/**
 * An app with raw-argument endpoints under protected paths (`/raw`, `/admin`
 * for role admin) and an open one, recording every handler call.
 */
function rawApp(
  options: {
    mountAuth?: string;
    mountEndpoints?: string;
    secrets?: mixnmatch.AuthOptions['secrets'];
  } = {},
) {
  const hits: Hit[] = [];
  const app = express();
  app.use(mixnmatch.canonicalize());
  const authRouter = mixnmatch.auth({
    secrets: options.secrets ?? ['/raw', { path: '/admin', roles: ['admin'] }],
    users: [
      { username: 'alice', password: 'wonderland1', roles: ['admin'] },
      { username: 'bob', password: 'builder123' },
    ],
    scrypt: FAST_SCRYPT,
    lockout: false,
  });
  if (options.mountAuth) app.use(options.mountAuth, authRouter);
  else app.use(authRouter);
  const handler: express.RequestHandler = (req, res) => {
    hits.push({ root: req.endpoint.root, args: req.endpoint.args });
    res.type('text/plain').send(`RAN ${req.endpoint.root}`);
  };
  const router = mixnmatch.endpoints(
    {
      raw: { args: ARGS_ANY, rawArgs: true, methods: ['GET', 'POST'] },
      admin: { args: ARGS_ANY, rawArgs: true },
      open: { args: ARGS_ANY, rawArgs: true },
    },
    { raw: handler, admin: handler, open: handler },
  );
  if (options.mountEndpoints) app.use(options.mountEndpoints, router);
  else app.use(router);
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('fell through');
  });
  app.use(mixnmatch.errorHandler());
  return { app, hits };
}

async function login(app: express.Express, username: string, password: string): Promise<string> {
  const res = await request(app).post('/login').type('form').send({ username, password });
  expect(res.status).toBe(200);
  return (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
}

/** Spellings of paths that dispatch hands to the endpoint `/raw` while canonicalising elsewhere. */
const RAW_SPELLINGS = [
  '/raw/..',
  '/raw/x/../..',
  '/raw%2f%2e%2e',
  '/raw/%2e%2e',
  '/raw/../open',
  '/x/../raw/..',
  '//raw//..',
  '/RAW/..',
  '/Raw/x/..%2f..',
  '/./raw/./../',
];

describe('auth() in front of raw-argument endpoints', () => {
  describe('with an anchored secret', () => {
    const { app, hits } = rawApp();

    it.each(RAW_SPELLINGS)('%s → 401, the handler never runs', async (path) => {
      hits.length = 0;
      const res = await request(app).get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
      expect(hits).toEqual([]);
    });

    it('lets a session through to the raw endpoint with its raw arguments', async () => {
      const cookie = await login(app, 'bob', 'builder123');
      hits.length = 0;
      const res = await request(app).get('/raw/x/../..').set('Cookie', cookie);
      expect(res.status).toBe(200);
      expect(hits).toEqual([{ root: 'raw', args: 'x/../..' }]);
    });

    it('keeps an open raw endpoint open, whatever its arguments', async () => {
      hits.length = 0;
      const res = await request(app).get('/open/../../x');
      expect(res.status).toBe(200);
      expect(hits).toEqual([{ root: 'open', args: '../../x' }]);
    });
  });

  describe('with a role secret', () => {
    const { app, hits } = rawApp();

    it.each(['/admin/..', '/admin/x/../..', '/admin%2f..', '/x/../admin/..'])(
      '%s → 401 without a session, 403 for a user without the role, 200 for an admin',
      async (path) => {
        hits.length = 0;
        expect((await request(app).get(path)).status).toBe(401);
        const bob = await login(app, 'bob', 'builder123');
        expect((await request(app).get(path).set('Cookie', bob)).status).toBe(403);
        expect(hits).toEqual([]);
        const alice = await login(app, 'alice', 'wonderland1');
        expect((await request(app).get(path).set('Cookie', alice)).status).toBe(200);
        expect(hits).toEqual([expect.objectContaining({ root: 'admin' })]);
      },
    );
  });

  describe('with a segment secret and endpoints mounted at a prefix', () => {
    const { app, hits } = rawApp({ mountEndpoints: '/p', secrets: ['raw'] });

    it.each(['/p/raw/..', '/p/raw%2f..', '/P/raw/x/../..', '/q/../p/raw/..'])(
      '%s → 401',
      async (path) => {
        hits.length = 0;
        expect((await request(app).get(path)).status).toBe(401);
        expect(hits).toEqual([]);
      },
    );
  });

  describe('with an anchored secret naming the prefix', () => {
    const { app, hits } = rawApp({ mountEndpoints: '/p', secrets: ['/p/raw'] });

    it.each(['/p/raw/..', '/p//raw/../..', '/x/../p/raw/..'])('%s → 401', async (path) => {
      hits.length = 0;
      expect((await request(app).get(path)).status).toBe(401);
      expect(hits).toEqual([]);
    });
  });

  describe('with auth() and the endpoints both mounted at a prefix', () => {
    const { app, hits } = rawApp({ mountAuth: '/p', mountEndpoints: '/p', secrets: ['/raw'] });

    it.each(['/p/raw/..', '/p/raw%2f..', '/p/x/../raw/..'])('%s → 401', async (path) => {
      hits.length = 0;
      expect((await request(app).get(path)).status).toBe(401);
      expect(hits).toEqual([]);
    });

    it('anchors at the prefix: /raw outside it is not protected', async () => {
      hits.length = 0;
      expect((await request(app).get('/p/open/raw/..')).status).toBe(200);
    });
  });

  describe('for any hostile path (property)', () => {
    const { app, hits } = rawApp();
    const piece = fc.constantFrom(
      '..',
      '.',
      '',
      '%2e%2e',
      '%2e',
      '%2f',
      '%2F..',
      'raw',
      'RAW',
      'admin',
      'open',
      'x',
      '%5c',
      '\\..',
      '..%5c',
    );
    const path = fc.array(piece, { minLength: 1, maxLength: 8 }).map((p) => '/' + p.join('/'));

    it('never runs a protected endpoint without a session', async () => {
      await fc.assert(
        fc.asyncProperty(path, fc.constantFrom('GET', 'POST'), async (target, method) => {
          hits.length = 0;
          const res = await request(app)[method === 'GET' ? 'get' : 'post'](target);
          expect(res.status).toBeLessThan(500);
          for (const hit of hits) expect(hit.root).toBe('open');
        }),
        { numRuns: 300 },
      );
    });
  });
});

describe('the command (createApp) with -S /goto', () => {
  const app = mixnmatch.createApp({ root: __dirname, auth: { secrets: ['/goto'] } });

  it.each([
    '/goto///evil.example/../..',
    '/goto/http://evil.example/',
    '/goto%2f..',
    '/x/../goto/..',
  ])('%s → 401, no redirect', async (path) => {
    const res = await request(app).get(path);
    expect(res.status).toBe(401);
    expect(res.headers.location).toBeUndefined();
  });
});

describe('secrets on file systems that fold names', () => {
  const app = express();
  app.use(mixnmatch.auth({ secrets: ['secret', '/key', '/topsecret', '/café', '/passwords'] }));
  app.use((req, res) => {
    res.type('text/plain').send(`LEAKED ${req.path}`);
  });
  app.use(mixnmatch.errorHandler());

  it.each([
    ['Unicode case folding: ſ (U+017F) is s', '/%C5%BFecret/sentinel.txt'],
    ['Unicode case folding: K (U+212A) is k', '/%E2%84%AAey/x'],
    ['Unicode case folding: ẞ (U+1E9E) is ss', '/pa%E1%BA%9Ewords'],
    ['NFD is NFC (APFS)', '/cafe%CC%81/menu'],
    ['a backslash is a separator (Windows)', '/secret%5Csentinel.txt'],
    ['a raw backslash', '/foo\\secret\\x'],
    ['backslashes with dot segments', '/x%5C..%5Csecret'],
    ['an NTFS default stream', '/secret::$DATA/x'],
    ['an NTFS stream of a file', '/key::$DATA'],
    ['an NTFS index stream', '/secret:$I30:$INDEX_ALLOCATION/x'],
    ['an 8.3 short name', '/TOPSEC~1/x'],
    ['an 8.3 short name with a hash', '/TOA1B2~1/x'],
    ['a short name in lower case', '/secret~1/x'],
    ['trailing dots and spaces', '/secret.%20.%20/x'],
    ['a Windows parent segment with a trailing space', '/x/..%20/key'],
    ['a Windows parent segment after backslashes', '/x%5C..%5Ckey'],
    ['three dots (Windows reads .)', '/x/.../..%20/key'],
    ['a zero-width space (HFS+ ignores it)', '/sec%E2%80%8Bret/x'],
    ['a zero-width joiner before a trailing dot', '/secret%E2%80%8D./x'],
  ])('%s: %s → 401', async (_why, path) => {
    const res = await request(app).get(path);
    expect({ path, status: res.status }).toEqual({ path, status: 401 });
    expect(res.text).not.toContain('LEAKED');
  });

  it.each(['/secretive/', '/secret.html', '/sec/ret', '/foo/keys', '/key.txt', '/topsecrets'])(
    '%s stays open',
    async (path) => {
      const res = await request(app).get(path);
      expect(res.status).toBe(200);
    },
  );
});

describe('auth() mounted at a prefix', () => {
  afterEach(() => jest.restoreAllMocks());

  it('warns once when canonicalize() does not run before it', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const app = express().use('/p', mixnmatch.auth({ secrets: ['/secret'] }));
    await request(app).get('/p/x');
    await request(app).get('/p/y');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('/%70/…'), {
      code: 'MIXNMATCH_AUTH_PREFIX_WITHOUT_CANONICALIZE',
    });
  });

  it('does not warn after canonicalize(), which makes Express match every spelling', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const tree = tempTree({ 'p/secret/s.txt': 'PROTECTED' });
    try {
      const app = express().use(
        mixnmatch.canonicalize(),
        express.Router().use('/p', mixnmatch.auth({ secrets: ['/secret'] })),
        mixnmatch.serveStatic(tree.root),
        mixnmatch.errorHandler({ log: false }),
      );
      for (const target of [
        '/p/secret/s.txt',
        '/%70/secret/s.txt',
        '//p/secret/s.txt',
        '/x/../p/secret/s.txt',
      ]) {
        expect({ target, status: (await request(app).get(target)).status }).toEqual({
          target,
          status: 401,
        });
      }
      expect(warn).not.toHaveBeenCalled();
    } finally {
      tree.remove();
    }
  });
});

describe('a CORS preflight to a protected path', () => {
  const app = express().use(
    mixnmatch.cors({ origins: ['http://a.test'], allowCredentials: true }),
    mixnmatch.auth({ secrets: ['/admin'] }),
    express.Router().use('/admin', (req, res) => {
      res.send(`SECRET ${req.method}`);
    }),
    mixnmatch.errorHandler({ log: false }),
  );

  it('is answered by the guard itself, never handed to a handler that ignores the method', async () => {
    const res = await request(app)
      .options('/admin/x')
      .set('Origin', 'http://a.test')
      .set('Access-Control-Request-Method', 'PUT');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers.allow).toBe('PUT, OPTIONS');
    expect(res.headers['access-control-allow-origin']).toBe('http://a.test');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
  });

  it('leaves the request it announces, and a bare OPTIONS, to the guard', async () => {
    expect((await request(app).put('/admin/x').set('Origin', 'http://a.test')).status).toBe(401);
    expect((await request(app).options('/admin/x')).status).toBe(401);
    const login = await request(app).get('/login');
    const cookie = (login.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
    expect((await request(app).put('/admin/x').set('Cookie', cookie)).text).toBe('SECRET PUT');
  });
});
