import express from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { expectHeaders, rawRequest, tempTree } from './helpers';

describe('serveStatic()', () => {
  const tree = tempTree({
    'outside.txt': 'SECRET OUTSIDE THE ROOT',
    'public/hello.txt': 'hello',
    'public/site/index.html': '<h1>index</h1>',
    'public/files/a.txt': 'a',
    'public/files/B.txt': 'b',
    'public/files/sub dir/c.txt': 'c',
    'public/files/<x>.txt': 'x',
    'public/files/.hidden': 'hidden',
    'public/.git/config': 'git config',
    'public/.well-known/security.txt': 'Contact: mailto:security@example.test',
    'public/.well-known/.secret': 'dotfile in .well-known',
    'public/files/.well-known/x.txt': 'not the root one',
  });
  const root = path.join(tree.root, 'public');
  afterAll(() => tree.remove());

  const plain = (opts?: mixnmatch.ServeStaticOptions) =>
    express().use(mixnmatch.serveStatic(root, opts), mixnmatch.errorHandler({ log: false }));
  const full = (opts?: mixnmatch.ServeStaticOptions) =>
    express().use(
      mixnmatch.canonicalize(),
      mixnmatch.serveStatic(root, opts),
      mixnmatch.errorHandler({ log: false }),
    );

  it('serves a file with its type and no Cache-Control of its own', async () => {
    const res = await request(plain()).get('/hello.txt');
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello');
    expectHeaders(res, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': null });
  });

  it('serves index.html for a folder', async () => {
    const res = await request(plain()).get('/site/');
    expect(res.text).toBe('<h1>index</h1>');
  });

  it('redirects a folder without its trailing slash', async () => {
    const res = await request(plain()).get('/site');
    expect(res.status).toBe(301);
    expectHeaders(res, { location: '/site/' });
  });

  describe('listing option', () => {
    it('lists a folder without index.html when true', async () => {
      const res = await request(plain({ listing: true })).get('/files/');
      expect(res.status).toBe(200);
      expectHeaders(res, { 'content-type': 'text/html; charset=utf-8' });
      expect(res.text).toContain('<title>Directory listing for /files/</title>');
      expect(res.text).toContain(
        '<li><a href="a.txt">a.txt</a></li>\n<li><a href="B.txt">B.txt</a></li>',
      );
      expect(res.text).toContain('<a href="sub%20dir/">sub dir/</a>');
      expect(res.text).toContain('<a href="%3Cx%3E.txt">&lt;x&gt;.txt</a>');
      expect(res.text).not.toContain('.hidden');
    });

    it('lists the root, without dotfolders', async () => {
      const res = await request(plain({ listing: true })).get('/');
      expect(res.text).toContain('<a href="files/">files/</a>');
      expect(res.text).not.toContain('.git');
    });

    it('still serves index.html where there is one', async () => {
      expect((await request(plain({ listing: true })).get('/site/')).text).toBe('<h1>index</h1>');
    });

    it('lists nothing by default', async () => {
      expect((await request(full({ fallthrough: false })).get('/files/')).status).toBe(404);
    });

    it('does not list a dotfolder', async () => {
      expect(
        (await request(full({ listing: true, fallthrough: false })).get('/.git/')).status,
      ).toBe(404);
    });
  });

  it('does not serve dotfiles', async () => {
    expect((await request(full({ fallthrough: false })).get('/files/.hidden')).status).toBe(404);
    expect((await request(full({ fallthrough: false })).get('/.git/config')).status).toBe(404);
    expect((await request(full({ fallthrough: false })).get('/%2egit/config')).status).toBe(404);
  });

  describe('dotfiles option', () => {
    const get = (opts: mixnmatch.ServeStaticOptions, url: string) =>
      request(full({ fallthrough: false, ...opts })).get(url);

    it('serves /.well-known/ by default, but no dotfile in it nor any other dot-folder', async () => {
      const res = await get({}, '/.well-known/security.txt');
      expect(res.status).toBe(200);
      expect(res.text).toBe('Contact: mailto:security@example.test');
      expect((await get({}, '/%2ewell-known/security.txt')).status).toBe(200);
      expect((await get({}, '/.well-known/.secret')).status).toBe(404);
      expect((await get({}, '/files/.well-known/x.txt')).status).toBe(404);
      expect((await get({}, '/.well-known/../.git/config')).status).toBe(404);
    });

    it("lists /.well-known/ and shows it in the root's listing, hiding other dotfiles", async () => {
      const res = await get({ listing: true, index: false }, '/');
      expect(res.text).toContain('.well-known/');
      expect(res.text).not.toContain('.git');
      const inside = await get({ listing: true }, '/.well-known/');
      expect(inside.text).toContain('security.txt');
      expect(inside.text).not.toContain('.secret');
    });

    it("'deny' answers 403 for every dotfile, .well-known/ included", async () => {
      expect((await get({ dotfiles: 'deny' }, '/.well-known/security.txt')).status).toBe(403);
      expect((await get({ dotfiles: 'deny' }, '/files/.hidden')).status).toBe(403);
      expect((await get({ dotfiles: 'deny' }, '/.git/config')).status).toBe(403);
    });

    it("'allow' serves dotfiles but still nothing outside the root", async () => {
      const hidden = await get({ dotfiles: 'allow' }, '/files/.hidden');
      expect(hidden.status).toBe(200);
      expect(String(hidden.body)).toBe('hidden');
      expect(String((await get({ dotfiles: 'allow' }, '/.git/config')).body)).toBe('git config');
      expect((await get({ dotfiles: 'allow' }, '/.git/../../outside.txt')).status).not.toBe(200);
    });

    it('rejects any other value', () => {
      expect(() => mixnmatch.serveStatic(root, { dotfiles: 'hide' as unknown as 'deny' })).toThrow(
        /"dotfiles" must be 'ignore', 'deny' or 'allow'/,
      );
    });
  });

  describe('traversal attempts', () => {
    const attempts = [
      '/../outside.txt',
      '/../../outside.txt',
      '/%2e%2e/outside.txt',
      '/%2E%2E/outside.txt',
      '/files/..%2f..%2foutside.txt',
      '/..%2foutside.txt',
      '/%2e%2e%2foutside.txt',
      '/..\\outside.txt',
      '/..%5coutside.txt',
      '/files/..%5c..%5coutside.txt',
      '/hello.txt%00.html',
      '/%00../outside.txt',
      '//../outside.txt',
      '/.%2e/outside.txt',
      '/%252e%252e/outside.txt',
      `/${encodeURIComponent(path.join(tree.root, 'outside.txt'))}`,
    ];

    it.each(attempts)(
      'never serve a file outside the root: %s (with canonicalize)',
      async (attempt) => {
        const res = await request(full({ listing: true, fallthrough: false })).get(attempt);
        expect([400, 403, 404]).toContain(res.status);
        expect(res.text).not.toContain('SECRET');
      },
    );

    it.each(attempts)(
      'never serve a file outside the root: %s (serveStatic alone)',
      async (attempt) => {
        const res = await request(plain({ listing: true, fallthrough: false })).get(attempt);
        expect([400, 403, 404]).toContain(res.status);
        expect(res.text).not.toContain('SECRET');
      },
    );

    it('never serve it through an absolute-form target either', async () => {
      const res = await rawRequest(
        full({ fallthrough: false }),
        'GET http://x/../outside.txt HTTP/1.1\r\nHost: x',
      );
      expect(res.body).not.toContain('SECRET');
    });

    it('never show the absolute path of the root in an error', async () => {
      const res = await request(plain({ fallthrough: false })).get('/nope.txt');
      expect(res.status).toBe(404);
      expect(res.text).not.toContain(tree.root);
      expect(res.text).toContain('404 - File not found.');
    });
  });

  it('answers OPTIONS on any path, as the original did', async () => {
    const res = await request(plain()).options('/whatever/path');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expectHeaders(res, { allow: 'GET, HEAD, OPTIONS', 'content-length': '0' });
  });

  describe('fallthrough option', () => {
    it('passes missing files and other methods on by default', async () => {
      const app = express().use(mixnmatch.serveStatic(root), (req, res) => {
        res.send(`next ${req.method}`);
      });
      expect((await request(app).get('/missing')).text).toBe('next GET');
      expect((await request(app).post('/hello.txt')).text).toBe('next POST');
    });

    it('gives 404 and 405 errors when false', async () => {
      expect((await request(plain({ fallthrough: false })).get('/missing')).status).toBe(404);
      const post = await request(plain({ fallthrough: false })).post('/hello.txt');
      expect(post.status).toBe(405);
      expectHeaders(post, { allow: 'GET, HEAD, OPTIONS' });
    });
  });

  it('checks its options', () => {
    expect(() => mixnmatch.serveStatic(path.join(tree.root, 'nope'))).toThrow(
      /serveStatic\(\): root ".*nope" is not a folder/,
    );
    expect(() => mixnmatch.serveStatic(root, { listing: 'yes' } as never)).toThrow(
      /"listing" must be true or false/,
    );
    expect(() => mixnmatch.serveStatic(root, { listings: true } as never)).toThrow(
      /Did you mean "listing"\?/,
    );
  });
});

describe('serveStatic() and symbolic links', () => {
  const tree = tempTree({
    'outside.txt': 'SECRET OUTSIDE THE ROOT',
    'outside/inner.txt': 'SECRET OUTSIDE, IN A FOLDER',
    'public/hello.txt': 'hello',
    'public/secret/s.txt': 'PROTECTED',
    'public/linked/readme.txt': 'readme',
    'public/listed/a.txt': 'a',
    'public/.hidden/x.txt': 'HIDDEN',
  });
  const root = path.join(tree.root, 'public');
  const link = (target: string, name: string) => symlinkSync(target, path.join(root, name));
  link('../outside.txt', 'out.txt');
  link('../outside', 'out-dir');
  link(path.join(tree.root, 'outside.txt'), 'absolute.txt');
  link('secret', 'alias');
  link('secret/s.txt', 'alias.txt');
  link('hello.txt', 'hello-link.txt');
  link('.hidden/x.txt', 'vis.txt');
  link('.hidden', 'visible-dir');
  link('loop', 'loop');
  link('ping', 'pong');
  link('pong', 'ping');
  symlinkSync('../../outside.txt', path.join(root, 'linked', 'index.html'));
  symlinkSync('../../outside', path.join(root, 'listed', 'elsewhere'));
  afterAll(() => tree.remove());

  function app(opts: mixnmatch.ServeStaticOptions = {}, withCanonicalize = true) {
    const server = express();
    if (withCanonicalize) server.use(mixnmatch.canonicalize());
    server.use(mixnmatch.auth({ secrets: ['secret'] }));
    server.use(mixnmatch.serveStatic(root, { fallthrough: false, listing: true, ...opts }));
    server.use(mixnmatch.errorHandler({ log: false }));
    return server;
  }

  describe.each([true, false])('with canonicalize() %s', (withCanonicalize) => {
    const server = app({}, withCanonicalize);

    it.each(['/out.txt', '/out-dir/inner.txt', '/absolute.txt', '/linked/', '/out-dir/'])(
      'never serves what a link outside the root points to: %s → 404',
      async (target) => {
        const res = await request(server).get(target);
        expect(res.status).toBe(404);
        expect(res.text).not.toContain('SECRET');
      },
    );

    it.each(['/vis.txt', '/visible-dir/x.txt'])(
      'serves no dotfile, whatever name a link gives it: %s → 404',
      async (target) => {
        const res = await request(server).get(target);
        expect(res.status).toBe(404);
        expect(res.text).not.toContain('HIDDEN');
      },
    );

    it('follows a link that stays inside the root', async () => {
      const res = await request(server).get('/hello-link.txt');
      expect(res.status).toBe(200);
      expect(res.text).toBe('hello');
    });

    it.each(['/alias/s.txt', '/alias.txt', '/./alias//s.txt'])(
      'checks secrets on where a link leads: %s → 401 without a session',
      async (target) => {
        const res = await request(server).get(target);
        expect(res.status).toBe(401);
        expect(res.text).not.toContain('PROTECTED');
      },
    );

    it('serves a protected file through a link with a session', async () => {
      const login = await request(server).get('/login');
      const cookie = (login.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
      const res = await request(server).get('/alias/s.txt').set('Cookie', cookie);
      expect(res.status).toBe(200);
      expect(res.text).toBe('PROTECTED');
    });

    it.each(['/loop', '/loop/x', '/ping', '/pong/x.txt'])(
      'answers a link loop with 404, not 500: %s',
      async (target) => {
        const res = await request(server).get(target);
        expect(res.status).toBe(404);
      },
    );
  });

  it('serves links outside the root with followSymlinks: true (unsafe)', async () => {
    const server = app({ followSymlinks: true });
    expect((await request(server).get('/out.txt')).text).toBe('SECRET OUTSIDE THE ROOT');
    expect((await request(server).get('/out-dir/inner.txt')).status).toBe(200);
    // Secrets still hold on where an inside link leads.
    expect((await request(server).get('/alias/s.txt')).status).toBe(401);
  });

  it('passes an outside link on as missing when falling through', async () => {
    const server = express().use(mixnmatch.serveStatic(root), (_req, res) => {
      res.send('next');
    });
    expect((await request(server).get('/out.txt')).text).toBe('next');
  });
});

describe('serveStatic() folder redirects', () => {
  const tree = tempTree({
    'public/listing/a.txt': 'a',
    'public/\\evil.example/x.txt': 'x',
    'public/dir/sub/b.txt': 'b',
  });
  const root = path.join(tree.root, 'public');
  afterAll(() => tree.remove());
  const origin = 'http://server.test';

  const apps = {
    canonical: express().use(
      mixnmatch.canonicalize(),
      mixnmatch.serveStatic(root, { fallthrough: false }),
      mixnmatch.errorHandler({ log: false }),
    ),
    plain: express().use(
      mixnmatch.serveStatic(root, { fallthrough: false }),
      mixnmatch.errorHandler({ log: false }),
    ),
    mounted: express().use(
      '/p',
      mixnmatch.serveStatic(root, { fallthrough: false }),
      mixnmatch.errorHandler({ log: false }),
    ),
  };

  it.each([
    ['canonical', '/\\evil.example/..%2flisting', '/listing/'],
    ['canonical', '/%5Cevil.example/..%2flisting', '/listing/'],
    ['canonical', '//evil.example/..//listing', '/listing/'],
    ['canonical', '/%5Cevil.example', '/%5Cevil.example/'],
    ['canonical', '/dir/sub?x=1', '/dir/sub/?x=1'],
    ['plain', '/%5Cevil.example', '/%5Cevil.example/'],
    ['plain', '/dir', '/dir/'],
    ['mounted', '/p', '/p/'],
    ['mounted', '/p/dir', '/p/dir/'],
  ] as const)('%s: %s → 301 to %s, a path on this server', async (which, target, location) => {
    const res = await rawRequest(apps[which], `GET ${target} HTTP/1.1\r\nHost: server.test`);
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe(location);
    expect(new URL(res.headers.location!, `${origin}/a/b`).origin).toBe(origin);
  });

  it('never gives a Location a browser reads as another host (property)', async () => {
    const piece = fc.constantFrom(
      '\\',
      '%5c',
      '%5C',
      '/',
      '%2f',
      '..',
      '.',
      'evil.example',
      '@',
      'listing',
      'dir',
      '%09',
      '%20',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 8 }), async (pieces) => {
        const target = '/' + pieces.join('');
        for (const app of [apps.canonical, apps.plain]) {
          const res = await rawRequest(app, `GET ${target} HTTP/1.1\r\nHost: server.test`);
          expect(res.status).toBeLessThan(500);
          if (res.headers.location !== undefined) {
            expect(new URL(res.headers.location, `${origin}/a/b`).origin).toBe(origin);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('serveStatic({ attachments })', () => {
  const tree = tempTree({
    'pic.svg': '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    'LOUD.SVG': '<svg/>',
    'page.html': '<p>hi</p>',
    'notes.txt': 'notes',
  });
  afterAll(() => tree.remove());
  const app = express()
    .use(mixnmatch.serveStatic(tree.root, { attachments: ['.svg', 'html'] }))
    .use(mixnmatch.errorHandler());

  it('serves the listed endings as downloads, whatever their case, and the rest as before', async () => {
    // Express's res.attachment() writes the header.
    for (const [file, disposition] of [
      ['/pic.svg', 'attachment; filename=pic.svg'],
      ['/LOUD.SVG', 'attachment; filename=LOUD.SVG'],
      ['/page.html', 'attachment; filename=page.html'],
      ['/notes.txt', undefined],
    ] as const) {
      const res = await request(app).get(file);
      expect({ file, status: res.status, disposition: res.headers['content-disposition'] }).toEqual(
        {
          file,
          status: 200,
          disposition,
        },
      );
    }
  });

  it('refuses endings that are not file name endings', () => {
    for (const attachments of ['.svg', ['a/b'], [''], [1]]) {
      expect(() =>
        mixnmatch.serveStatic(tree.root, {
          attachments,
        } as unknown as mixnmatch.ServeStaticOptions),
      ).toThrow(/"attachments" must be an array of file name endings/);
    }
  });
});
