import { symlinkSync } from 'node:fs';
import { createServer } from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { expectHeaders, NO_CACHE_HEADERS, tempTree } from './helpers';
import { testCertificate } from './helpers/tls';

describe('createApp()', () => {
  const tree = tempTree({
    'index.html': '<h1>home</h1>',
    'lib.js': 'js()',
    'secret/data.txt': 'private',
    'files/a.txt': 'a',
  });
  afterAll(() => tree.remove());
  const app = mixnmatch.createApp({
    root: tree.root,
    auth: { secrets: ['secret'] },
    headers: { 'X-Foo': 'Foobar' },
    cacheable: /\.js$/,
  });

  it('serves files, with the custom headers and no-cache except cacheable paths', async () => {
    const html = await request(app).get('/');
    expect(html.text).toBe('<h1>home</h1>');
    expectHeaders(html, { 'x-foo': 'Foobar', ...NO_CACHE_HEADERS, 'x-powered-by': null });
    expectHeaders(await request(app).get('/lib.js'), { 'cache-control': null, 'x-foo': 'Foobar' });
  });

  it('lets browsers cache scripts only by default, as the original did, and nothing with cacheable: false', async () => {
    const byDefault = mixnmatch.createApp({ root: tree.root });
    expectHeaders(await request(byDefault).get('/lib.js'), { 'cache-control': null, pragma: null });
    expectHeaders(await request(byDefault).get('/'), NO_CACHE_HEADERS);
    const never = mixnmatch.createApp({ root: tree.root, cacheable: false });
    expectHeaders(await request(never).get('/lib.js'), NO_CACHE_HEADERS);
  });

  it('lists folders and renders 404 error pages with the same headers', async () => {
    expect((await request(app).get('/files/')).text).toContain('<a href="a.txt">a.txt</a>');
    const missing = await request(app).get('/nope');
    expect(missing.status).toBe(404);
    expectHeaders(missing, {
      'x-foo': 'Foobar',
      ...NO_CACHE_HEADERS,
      'content-type': 'text/html; charset=utf-8',
    });
  });

  it('protects secrets until login', async () => {
    const agent = request.agent(app);
    expect((await agent.get('/secret/data.txt')).status).toBe(401);
    await agent.get('/login');
    expect((await agent.get('/secret/data.txt')).text).toBe('private');
  });

  it('refuses a link out of the root unless followSymlinks, and keeps secrets on where links lead', async () => {
    const outside = tempTree({ 'out.txt': 'OUTSIDE' });
    const links = tempTree({ 'secret/s.txt': 'PROTECTED' });
    try {
      symlinkSync(path.join(outside.root, 'out.txt'), path.join(links.root, 'out.txt'));
      symlinkSync('secret', path.join(links.root, 'alias'));
      const safe = mixnmatch.createApp({ root: links.root, auth: { secrets: ['secret'] } });
      expect((await request(safe).get('/out.txt')).status).toBe(404);
      expect((await request(safe).get('/alias/s.txt')).status).toBe(401);
      const unsafe = mixnmatch.createApp({
        root: links.root,
        auth: { secrets: ['secret'] },
        followSymlinks: true,
      });
      expect((await request(unsafe).get('/out.txt')).text).toBe('OUTSIDE');
      expect((await request(unsafe).get('/alias/s.txt')).status).toBe(401);
    } finally {
      outside.remove();
      links.remove();
    }
  });

  it('serves goto and cache, goto first', async () => {
    expect(
      (await request(app).post('/cache/page').type('form').send('data=cached&type=text/html'))
        .status,
    ).toBe(204);
    const page = await request(app).get('/cache/page');
    expect(page.text).toBe('cached');
    const redirect = await request(app).get('/goto///foo.baz/../..//cache/page');
    expect(redirect.status).toBe(307);
    expectHeaders(redirect, { location: '//foo.baz/../..//cache/page' });
  });

  describe('CORS', () => {
    it('defaults to the original: any origin, no credentials', async () => {
      const res = await request(app).get('/').set('Origin', 'http://evil.test');
      expectHeaders(res, {
        'access-control-allow-origin': '*',
        'access-control-allow-credentials': null,
      });
    });

    it('ignores ?origin= and ?creds= unless cors.overrides is on (the command turns it on)', async () => {
      const off = await request(app)
        .get('/cache/page?origin={ECHO}&creds=1')
        .set('Origin', 'http://evil.test');
      expectHeaders(off, {
        'access-control-allow-origin': '*',
        'access-control-allow-credentials': null,
      });
      const on = mixnmatch.createApp({ root: tree.root, cors: { overrides: true } });
      const res = await request(on)
        .get('/cache/page?origin={ECHO}&creds=1')
        .set('Origin', 'http://evil.test');
      expectHeaders(res, {
        'access-control-allow-origin': 'http://evil.test',
        'access-control-allow-credentials': 'true',
      });
    });

    it('answers a preflight to a protected path without a session, and nothing else', async () => {
      const preflight = await request(app)
        .options('/secret/data.txt')
        .set('Origin', 'http://evil.test')
        .set('Access-Control-Request-Method', 'PUT');
      expect(preflight.status).toBe(200);
      expectHeaders(preflight, { 'access-control-allow-origin': '*' });
      // An OPTIONS that is not a preflight, and the request itself, still need a session.
      expect((await request(app).options('/secret/data.txt')).status).toBe(401);
      expect(
        (await request(app).options('/secret/data.txt').set('Origin', 'http://evil.test')).status,
      ).toBe(401);
      expect(
        (await request(app).options('/secret/data.txt').set('Access-Control-Request-Method', 'PUT'))
          .status,
      ).toBe(401);
      expect(
        (await request(app).get('/secret/data.txt').set('Origin', 'http://evil.test')).status,
      ).toBe(401);
    });

    it("answers a preflight to an endpoint with that endpoint's methods", async () => {
      const clear = await request(app)
        .options('/cache/clear')
        .set('Origin', 'http://a.test')
        .set('Access-Control-Request-Method', 'GET');
      expect(clear.status).toBe(200);
      expectHeaders(clear, {
        'access-control-allow-methods': 'GET, HEAD, OPTIONS',
        allow: 'GET, HEAD, OPTIONS',
      });
      const save = await request(app)
        .options('/cache/x')
        .set('Origin', 'http://a.test')
        .set('Access-Control-Request-Method', 'POST');
      expectHeaders(save, { 'access-control-allow-methods': /POST/ });
      const goto = await request(app)
        .options('/goto/x')
        .set('Origin', 'http://a.test')
        .set('Access-Control-Request-Method', 'PUT');
      expectHeaders(goto, {
        'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
      });
      const file = await request(app)
        .options('/index.html')
        .set('Origin', 'http://a.test')
        .set('Access-Control-Request-Method', 'GET');
      expectHeaders(file, { 'access-control-allow-methods': 'GET, HEAD, OPTIONS' });
    });

    it('can be turned off', async () => {
      const off = mixnmatch.createApp({ root: tree.root, cors: false });
      expectHeaders(await request(off).get('/').set('Origin', 'http://a.test'), {
        'access-control-allow-origin': null,
      });
    });

    it('takes a list of origins and credentials', async () => {
      const listed = mixnmatch.createApp({
        root: tree.root,
        cors: { origins: ['http://good.test'], allowCredentials: true },
      });
      expectHeaders(await request(listed).get('/').set('Origin', 'http://good.test'), {
        'access-control-allow-origin': 'http://good.test',
        'access-control-allow-credentials': 'true',
      });
      expectHeaders(await request(listed).get('/').set('Origin', 'http://bad.test'), {
        'access-control-allow-origin': null,
      });
    });
  });

  it('marks session cookies Secure over a real https server', async () => {
    const { key, cert } = await testCertificate();
    const server = createServer({ key, cert }, app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await request(`https://127.0.0.1:${port}`).get('/login').ca(cert);
      expect(res.status).toBe(200);
      expect((res.headers['set-cookie'] as unknown as string[])[0]).toMatch(
        /^SESSION=[0-9a-f]{64}; Path=\/; HttpOnly; Secure$/,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('logs requests when asked', async () => {
    let written: (line: string) => void = () => undefined;
    const line = new Promise<string>((resolve) => (written = resolve));
    const logged = mixnmatch.createApp({
      root: tree.root,
      log: { stream: { write: (l: string) => written(l) } },
    });
    await request(logged).get('/%E0%A4%A');
    expect(await line).toMatch(/"GET \/%E0%A4%A HTTP\/1\.1" 400 /);
  });

  it('checks its options', () => {
    expect(() => mixnmatch.createApp({ cacheable: '(' })).toThrow(
      /createApp\(\): "cacheable" is not a valid regular expression/,
    );
    expect(() => mixnmatch.createApp({ cors: true as never })).toThrow(
      /"cors" must be an options object or false/,
    );
    expect(() => mixnmatch.createApp({ roots: '.' } as never)).toThrow(
      /unknown option "roots"\. Did you mean "root"\?/,
    );
  });
});
