// goto(): the redirector, against real Express apps.
import express, { type Express } from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { expectHeaders, rawRequest } from './helpers';

type Headers = Record<string, string>;

/** canonicalize(), goto(opts), then a fallback that says it was reached, and errorHandler(). */
function gotoApp(opts?: mixnmatch.GotoOptions, mount?: string): Express {
  const app = express();
  app.use(mixnmatch.canonicalize());
  if (mount) app.use(mount, mixnmatch.goto(opts));
  else app.use(mixnmatch.goto(opts));
  app.use((_req, res) => {
    res.status(404).type('text/plain').send('fallback');
  });
  app.use(mixnmatch.errorHandler({ log: false }));
  return app;
}

/** Expects a 307 to `location` with an empty body. */
function expectRedirect(res: request.Response, location: string): void {
  expect({ status: res.status, location: res.headers.location }).toEqual({ status: 307, location });
  expect(res.text ?? '').toBe('');
}

/** Expects the original's "no host found" answer: 200, empty, no Location. */
function expectEmpty(res: request.Response): void {
  expect(res.status).toBe(200);
  expectHeaders(res, { 'content-length': '0', location: null });
  expect(res.text).toBe('');
}

describe('goto()', () => {
  const app = gotoApp();

  describe("the original's expectations", () => {
    it.each<[string, Headers, string | null]>([
      ['/goto/foo', {}, null],
      ['/goto//foo', {}, null],
      ['/goto///foo', {}, '//foo'],
      ['/goto/foo', { Referer: 'foobar' }, null],
      ['/goto/foo', { Referer: '//foobar' }, '//foobar/foo'],
      ['/goto/foo', { Referer: '//foobar/bar' }, '//foobar/bar/foo'],
      ['/goto//foo', { Referer: '//foobar/bar' }, '//foobar/foo'],
      ['/goto//foo', { Referer: 'http://foobar/bar' }, 'http://foobar/foo'],
      ['/goto/foo', { Origin: 'http://foobar' }, 'http://foobar/foo'],
      ['/goto/foo', { Origin: '//foobar' }, '//foobar/foo'],
      ['/goto/foo', { 'X-Forwarded-Host': 'foobar' }, '//foobar/foo'],
      ['/goto/foo', { 'X-Forwarded-For': 'foobar' }, '//foobar/foo'],
      ['/goto/../foo', { Referer: '//foobar' }, '//foobar/../foo'],
    ])('GET %s with %j → %s', async (path, headers, location) => {
      const res = await request(app).get(path).set(headers);
      if (location === null) expectEmpty(res);
      else expectRedirect(res, location);
    });

    it('finds goto in a raw path that canonicalises elsewhere: /foo%2f%2e.%2fgoto%2f//foo%3fbar?baz → //foo?bar…', async () => {
      const res = await request(app).get('/foo%2f%2e.%2fgoto%2f//foo%3fbar?baz');
      expect(res.status).toBe(307);
      expect(res.headers.location).toMatch(/^\/\/foo\?bar/);
      expect(res.headers.location).toBe('//foo?bar?baz');
    });
  });

  describe('when mounted before another router', () => {
    // Stands in for cache(): any router whose path the raw address canonicalises into.
    const cacheStandIn = mixnmatch.endpoints(
      { cache: { args: mixnmatch.ARGS_ANY } },
      {
        cache(_req, res) {
          res.type('text/plain').send('cache');
        },
      },
    );
    const ordered = express();
    ordered.use(mixnmatch.canonicalize());
    ordered.use(mixnmatch.goto());
    ordered.use(cacheStandIn);

    it('/goto///foo.baz/../..//cache redirects to //foo.baz/../..//cache instead of reaching the cache', async () => {
      expectRedirect(
        await request(ordered).get('/goto///foo.baz/../..//cache'),
        '//foo.baz/../..//cache',
      );
    });

    it('lets every other path through to the next router', async () => {
      for (const path of ['/cache', '/login///foo.baz/../..//cache', '/x/../cache/']) {
        const res = await request(ordered).get(path);
        expect({ path, status: res.status, text: res.text }).toEqual({
          path,
          status: 200,
          text: 'cache',
        });
      }
    });
  });

  describe('the address', () => {
    it.each([
      ['/goto/http://x/y?a=1', 'http://x/y?a=1'],
      ['/goto/https://example.com/p/../q', 'https://example.com/p/../q'],
      ['/goto/HTTPS://example.com/', 'HTTPS://example.com/'],
      ['/goto///example.com:8080/x', '//example.com:8080/x'],
      ['/goto/http://x/y?a=%2F&b', 'http://x/y?a=%2F&b'],
      ['/goto/http://x/%2F', 'http://x//'],
    ])('an address with a host, %s, is redirected to: %s', async (path, location) => {
      expectRedirect(await request(app).get(path).set('Referer', '//ignored/'), location);
    });

    it('keeps a trailing "?" as sent', async () => {
      const res = await rawRequest(app, 'GET /goto/http://x/y? HTTP/1.1\r\nHost: localhost');
      expect({ status: res.status, location: res.headers.location }).toEqual({
        status: 307,
        location: 'http://x/y?',
      });
    });

    it('takes the query as sent, not decoded: /goto/foo?a=%0D%0A&b= keeps it', async () => {
      const res = await request(app).get('/goto/foo?a=%0D%0A&b=').set('Referer', '//foobar');
      expectRedirect(res, '//foobar/foo?a=%0D%0A&b=');
    });

    describe("in the original's /goto?/ADDRESS form", () => {
      it.each<[string, Headers, string | null]>([
        ['/goto?/http://x/y?a=1', {}, 'http://x/y?a=1'],
        ['/goto?//foo', {}, null],
        ['/goto?///foo', {}, '//foo'],
        ['/goto?//foo', { Referer: '//foobar/bar' }, '//foobar/foo'],
        ['/goto?/foo', { Referer: '//foobar/bar' }, '//foobar/bar/foo'],
        ['/goto/?/http://x/y', {}, 'http://x/y'],
        ['/goto?/http%3A%2F%2Fx%2Fy%3Fa%3D1', {}, 'http://x/y?a=1'],
        ['/goto?cors=1&x=2/http://x/y?a=1', {}, 'http://x/y?a=1'],
        ['/goto?origin=foo///bar', {}, '//bar'],
        ['/goto?origin=foo//bar', {}, null],
        ['/goto?origin=foo//bar', { Referer: '//foobar/x' }, '//foobar/bar'],
      ])('GET %s with %j → %s', async (path, headers, location) => {
        const res = await request(app).get(path).set(headers);
        if (location === null) expectEmpty(res);
        else expectRedirect(res, location);
      });

      it('gets 400 for malformed percent-encoding', async () => {
        const res = await request(app).get('/goto?/http://x/%E0%A4%A');
        expect(res.status).toBe(400);
        expect(res.text).toContain('malformed percent-encoding');
      });

      it('treats a query without "/" as the query of an empty address', async () => {
        const res = await request(app).get('/goto?a=1').set('Referer', '//foobar/bar');
        expectRedirect(res, '//foobar/bar/?a=1');
      });
    });

    it('/goto alone resolves to the referer itself, with a trailing slash', async () => {
      expectRedirect(
        await request(app).get('/goto').set('Referer', '//foobar/bar'),
        '//foobar/bar/',
      );
    });
  });

  describe('when the address has no host', () => {
    it.each<[string, Headers, string | null]>([
      // Referer and Origin
      ['/goto/foo', { Referer: 'foobar', Origin: 'http://origin' }, 'http://origin/foo'],
      ['/goto/foo', { Referer: '//ref/a', Origin: '//origin' }, '//ref/a/foo'],
      ['/goto/foo', { Referer: 'https://foobar/bar/' }, 'https://foobar/bar/foo'],
      ['/goto/foo', { Referer: 'http://foobar:8080/bar' }, 'http://foobar:8080/bar/foo'],
      ['/goto/foo', { Referer: 'http://foobar/bar?q=1#h' }, 'http://foobar/bar/foo'],
      ['/goto/foo', { Referer: 'http://[::1]:3000/' }, 'http://[::1]:3000/foo'],
      ['/goto/foo', { Origin: 'null' }, null],
      ['/goto/foo', { Referer: 'ftp://foobar/bar' }, null],
      // X-Forwarded-*
      [
        '/goto/foo',
        { 'X-Forwarded-Host': 'foobar', 'X-Forwarded-Proto': 'https' },
        'https://foobar/foo',
      ],
      ['/goto/foo', { 'X-Forwarded-Host': 'foobar:8443, proxy' }, '//foobar:8443/foo'],
      ['/goto/foo', { 'X-Forwarded-For': ' 1.2.3.4 , 10.0.0.1' }, '//1.2.3.4/foo'],
      ['/goto/foo', { 'X-Forwarded-For': '2001:db8::1, 10.0.0.1' }, '//[2001:db8::1]/foo'],
      [
        '/goto/foo',
        { 'X-Forwarded-For': 'foobar', 'X-Forwarded-Proto': 'http' },
        'http://foobar/foo',
      ],
      ['/goto/foo', { 'X-Forwarded-For': 'foobar', 'X-Forwarded-Proto': 'gopher' }, '//foobar/foo'],
      ['/goto//foo', { 'X-Forwarded-Host': 'foobar' }, '//foobar/foo'],
      ['/goto/foo', { 'X-Forwarded-Host': 'xfh', 'X-Forwarded-For': 'xff' }, '//xfh/foo'],
      // Forwarded
      ['/goto/foo', { Forwarded: 'for=foobar' }, '//foobar/foo'],
      ['/goto/foo', { Forwarded: 'host=foobar' }, '//foobar/foo'],
      ['/goto/foo', { Forwarded: 'for=client;host=foobar;proto=https' }, 'https://foobar/foo'],
      ['/goto/foo', { Forwarded: 'for="[2001:db8::17]:4711"' }, '//[2001:db8::17]:4711/foo'],
      ['/goto/foo', { Forwarded: 'For="1.2.3.4";Proto=HTTP, for=5.6.7.8' }, 'http://1.2.3.4/foo'],
      ['/goto/foo', { Forwarded: 'for=unknown' }, null],
      ['/goto/foo', { Forwarded: 'for=_hidden' }, null],
      ['/goto/foo', { Forwarded: 'by=proxy' }, null],
      // order
      ['/goto/foo', { Origin: '//o', 'X-Forwarded-Host': 'xfh', Forwarded: 'host=f' }, '//o/foo'],
      ['/goto/foo', { 'X-Forwarded-For': 'xff', Forwarded: 'host=f' }, '//xff/foo'],
    ])('GET %s with %j → %s', async (path, headers, location) => {
      const res = await request(app).get(path).set(headers);
      if (location === null) expectEmpty(res);
      else expectRedirect(res, location);
    });
  });

  describe('methods', () => {
    it.each(['get', 'post', 'put', 'patch', 'delete'] as const)(
      '%s redirects with 307',
      async (method) => {
        const res = await request(app)[method]('/goto///foo/bar').send('body');
        expectRedirect(res, '//foo/bar');
      },
    );

    it('HEAD redirects with 307 and no body', async () => {
      const res = await request(app).head('/goto///foo/bar');
      expect(res.status).toBe(307);
      expectHeaders(res, { location: '//foo/bar', 'content-length': '0' });
    });

    it('OPTIONS → 200 with Allow and an empty body', async () => {
      const res = await request(app).options('/goto///foo/bar');
      expect(res.status).toBe(200);
      expectHeaders(res, {
        allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
        'content-length': '0',
        location: null,
      });
    });

    it('another method → 405 with Allow', async () => {
      const res = await request(app).trace('/goto///foo/bar');
      expect(res.status).toBe(405);
      expectHeaders(res, { allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS', location: null });
    });
  });

  describe('header-injection attempts', () => {
    it.each([
      '/goto///evil/%0d%0aSet-Cookie:%20x=1',
      '/goto/foo%0D%0ASet-Cookie:%20x=1',
      '/goto/http://evil/%0aSet-Cookie:x=1',
      '/goto///evil/%00',
      '/goto///evil/%09',
      '/goto///evil/%7f',
      '/goto?/%0d%0aSet-Cookie:%20x=1',
      '/goto?//evil/%0d%0aSet-Cookie:%20x=1',
    ])('%s → 400, no Location, no Set-Cookie', async (path) => {
      for (const headers of [{}, { Referer: '//foobar/' }]) {
        const res = await request(app).get(path).set(headers);
        expect(res.status).toBe(400);
        expectHeaders(res, { location: null, 'set-cookie': null });
        // canonicalize(), mounted first, refuses a NUL byte in any path itself.
        expect(res.text).toMatch(/control characters|NUL byte/);
      }
    });

    it('raw CR/LF in the query end the request line: what follows is never a response header', async () => {
      // Node ends the request line at the line break, so the target is /goto///foo?a and
      // "Set-Cookie: …" becomes a request header; nothing of it reaches the response.
      for (const head of [
        'GET /goto///foo?a\r\nSet-Cookie: x=1 HTTP/1.1\r\nHost: localhost',
        'GET /goto///foo?a\nSet-Cookie: x=1 HTTP/1.1\r\nHost: localhost',
      ]) {
        const res = await rawRequest(app, head);
        expect({ head, status: res.status, location: res.headers.location }).toEqual({
          head,
          status: 307,
          location: '//foo?a',
        });
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    });

    it('a raw CR or other control character in the target → 400 (from Node), not 500', async () => {
      for (const head of [
        'GET /goto///foo?a\rSet-Cookie:x=1 HTTP/1.1\r\nHost: localhost',
        'GET /goto///foo?a\x01b HTTP/1.1\r\nHost: localhost',
        'GET /goto///foo/\x7f HTTP/1.1\r\nHost: localhost',
      ]) {
        const res = await rawRequest(app, head);
        expect({ head, status: res.status }).toEqual({ head, status: 400 });
        expect(res.headers['set-cookie']).toBeUndefined();
        expect(res.headers.location).toBeUndefined();
      }
    });

    it('a Referer with encoded CR/LF stays encoded in the Location', async () => {
      const res = await request(app)
        .get('/goto/foo')
        .set('Referer', '//foobar/%0d%0aSet-Cookie:%20x=1');
      expectRedirect(res, '//foobar/%0d%0aSet-Cookie:%20x=1/foo');
      expectHeaders(res, { 'set-cookie': null });
    });

    it('encoded CR/LF in the query stay encoded in the Location', async () => {
      const res = await request(app).get('/goto///foo?a=%0d%0aSet-Cookie:x');
      expectRedirect(res, '//foo?a=%0d%0aSet-Cookie:x');
      expectHeaders(res, { 'set-cookie': null });
    });

    it.each<[string, string]>([
      ['/goto///ex.com/caf%C3%A9', '//ex.com/caf%C3%A9'],
      ['/goto///ex.com/a%20b', '//ex.com/a%20b'],
      ['/goto/http://ex.com/%E2%9C%93?q=%E2%9C%93', 'http://ex.com/%E2%9C%93?q=%E2%9C%93'],
      ['/goto///%E4%BE%8B%E3%81%88.jp/', '//%E4%BE%8B%E3%81%88.jp/'],
      ['/goto?///ex.com/caf%C3%A9%20x', '//ex.com/caf%C3%A9%20x'],
    ])(
      'a non-ASCII or spaced address %s → 307 to %s (encoded, not a 500)',
      async (path, location) => {
        expectRedirect(await request(app).get(path), location);
      },
    );

    it('a Referer path with spaces or Latin-1 characters is encoded', async () => {
      const res = await rawRequest(
        app,
        'GET /goto/foo HTTP/1.1\r\nHost: localhost\r\nReferer: //foobar/a b/caf\u00e9',
      );
      expect(res.status).toBe(307);
      // The header arrives as the byte 0xE9, which Node reads as Latin-1 é, sent on as UTF-8.
      expect(res.headers.location).toMatch(/^\/\/foobar\/a%20b\/caf%C3%A9\/foo$/);
    });

    it.each<[string, Headers]>([
      ['a Referer host with "@"', { Referer: '//user@evil.com/' }],
      ['a Referer host with "\\"', { Referer: '//foobar\\evil.com/' }],
      ['an Origin host with a "%"', { Origin: 'http://evil%2ecom' }],
      ['an X-Forwarded-Host with a path', { 'X-Forwarded-Host': 'evil.com/path' }],
      ['an X-Forwarded-Host with "@"', { 'X-Forwarded-Host': 'good@evil.com' }],
      ['an X-Forwarded-Host with a space', { 'X-Forwarded-Host': 'foo bar' }],
      ['an X-Forwarded-Host with "\\"', { 'X-Forwarded-Host': 'evil.com\\x' }],
      ['an X-Forwarded-For with "?"', { 'X-Forwarded-For': 'evil.com?x' }],
      ['a Forwarded host with a path', { Forwarded: 'host="evil.com/x"' }],
      ['a Forwarded host with "@"', { Forwarded: 'host="a@evil.com"' }],
      ['a non-ASCII X-Forwarded-Host', { 'X-Forwarded-Host': 'b\u00fccher.de' }],
    ])('%s is not used as a host', async (_name, headers) => {
      expectEmpty(await request(app).get('/goto/foo').set(headers));
    });

    it('a header host that cannot be used is skipped for the next source', async () => {
      const res = await request(app).get('/goto/foo').set({
        Referer: '//user@evil.com/',
        'X-Forwarded-Host': 'evil.com/x',
        Forwarded: 'for=good',
      });
      expectRedirect(res, '//good/foo');
    });

    it('header values with a tab are not used', async () => {
      for (const header of ['X-Forwarded-Host: foo\tbar', 'Referer: //foobar/a\tb']) {
        const res = await rawRequest(app, `GET /goto/foo HTTP/1.1\r\nHost: localhost\r\n${header}`);
        expect({ header, status: res.status, location: res.headers.location }).toEqual({
          header,
          status: 200,
          location: undefined,
        });
      }
    });
  });

  describe('allowedHosts option', () => {
    describe('with a list', () => {
      const restricted = gotoApp({ allowedHosts: ['Example.com', '*.trusted.org', '[::1]'] });

      it.each<[string, Headers, string]>([
        ['/goto/http://example.com/x', {}, 'http://example.com/x'],
        ['/goto///EXAMPLE.com:8080/x', {}, '//EXAMPLE.com:8080/x'],
        ['/goto/https://a.trusted.org/x', {}, 'https://a.trusted.org/x'],
        ['/goto/https://a.b.trusted.org/x', {}, 'https://a.b.trusted.org/x'],
        ['/goto/http://[::1]:3000/x', {}, 'http://[::1]:3000/x'],
        ['/goto/foo', { Referer: 'http://example.com/bar' }, 'http://example.com/bar/foo'],
        ['/goto/foo', { 'X-Forwarded-Host': 'x.trusted.org' }, '//x.trusted.org/foo'],
      ])('allows %s with %j → %s', async (path, headers, location) => {
        expectRedirect(await request(restricted).get(path).set(headers), location);
      });

      it.each<[string, Headers, string]>([
        ['/goto/http://evil.com/x', {}, 'evil.com'],
        ['/goto/http://example.com.evil.com/', {}, 'example.com.evil.com'],
        ['/goto/https://trusted.org/', {}, 'trusted.org'],
        ['/goto/https://eviltrusted.org/', {}, 'eviltrusted.org'],
        ['/goto/http://example.com@evil.com/', {}, 'evil.com'],
        ['/goto///evil.com\\@example.com/', {}, 'evil.com'],
        ['/goto/foo', { Referer: '//evil.com/bar' }, 'evil.com'],
        ['/goto//foo', { Origin: 'https://evil.com' }, 'evil.com'],
        ['/goto/foo', { Forwarded: 'host=evil.com' }, 'evil.com'],
      ])('refuses %s with %j: 403 naming %s', async (path, headers, host) => {
        const res = await request(restricted).get(path).set(headers);
        expect(res.status).toBe(403);
        expectHeaders(res, { location: null });
        expect(res.text).toContain(`Redirects to "${host}" are not allowed.`);
      });

      it('names the host in JSON errors too', async () => {
        const res = await request(restricted)
          .get('/goto/http://evil.com/x')
          .set('Accept', 'application/json');
        expect(res.status).toBe(403);
        expect(JSON.stringify(res.body)).toContain('Redirects to \\"evil.com\\" are not allowed.');
      });

      it('still answers 200 when no host is found', async () => {
        expectEmpty(await request(restricted).get('/goto/foo'));
      });

      it('follows the host the browser would go to: //example.com\\@evil.com → example.com', async () => {
        expectRedirect(
          await request(restricted).get('/goto///example.com%5C@evil.com/'),
          '//example.com\\@evil.com/',
        );
      });
    });

    describe('with a predicate', () => {
      const seen: [string, string][] = [];
      const restricted = gotoApp({
        allowedHosts: (host, req) => {
          seen.push([host, req.path]);
          return host.endsWith('.test');
        },
      });

      it('is called with the host (lower-case, no port) and the request', async () => {
        seen.length = 0;
        expectRedirect(
          await request(restricted).get('/goto/http://A.test:81/x'),
          'http://A.test:81/x',
        );
        expect(seen).toEqual([['a.test', '/goto/http:/A.test:81/x']]);
      });

      it('refuses with 403 when it returns false', async () => {
        const res = await request(restricted).get('/goto/foo').set('Referer', 'http://evil.com/');
        expect(res.status).toBe(403);
        expect(res.text).toContain('Redirects to "evil.com" are not allowed.');
      });

      it('may be async, and only `true` allows', async () => {
        const asyncApp = gotoApp({ allowedHosts: async (host) => host === 'ok.test' });
        expectRedirect(await request(asyncApp).get('/goto///ok.test/'), '//ok.test/');
        expect((await request(asyncApp).get('/goto///no.test/')).status).toBe(403);
        const truthy = gotoApp({
          allowedHosts: (() => 'yes') as unknown as mixnmatch.GotoHostPredicate,
        });
        expect((await request(truthy).get('/goto///ok.test/')).status).toBe(403);
      });

      it('passes its errors to next(err)', async () => {
        const failing = gotoApp({
          allowedHosts: () => {
            throw new Error('boom');
          },
        });
        expect((await request(failing).get('/goto///ok.test/')).status).toBe(500);
      });
    });
  });

  describe('without canonicalize()', () => {
    const bare = express();
    bare.use(mixnmatch.goto());
    bare.use(mixnmatch.errorHandler({ log: false }));

    it.each<[string, Headers, string | null]>([
      ['/goto///foo', {}, '//foo'],
      ['/goto/../foo', { Referer: '//foobar' }, '//foobar/../foo'],
      ['/foo%2f%2e.%2fgoto%2f//foo%3fbar?baz', {}, '//foo?bar?baz'],
      ['/goto///foo.baz/../..//cache', {}, '//foo.baz/../..//cache'],
      ['/goto/foo', {}, null],
    ])('GET %s with %j → %s', async (path, headers, location) => {
      const res = await request(bare).get(path).set(headers);
      if (location === null) expectEmpty(res);
      else expectRedirect(res, location);
    });

    it('refuses a NUL byte in the address with 400', async () => {
      const res = await request(bare).get('/goto///evil/%00');
      expect(res.status).toBe(400);
      expect(res.text).toContain('control characters');
    });
  });

  describe('when mounted at a prefix', () => {
    const prefixed = gotoApp(undefined, '/api');

    it.each<[string, Headers, string | null]>([
      ['/api/goto/foo', { Referer: '//foobar/bar' }, '//foobar/bar/foo'],
      ['/api/goto///foo', {}, '//foo'],
      ['/api/goto/../foo', { Referer: '//foobar' }, '//foobar/../foo'],
      ['/api/goto/http://x/y?a=1', {}, 'http://x/y?a=1'],
      ['/api/goto?/http://x/y?a=1', {}, 'http://x/y?a=1'],
      ['/api%2fgoto///foo/../bar', {}, '//foo/../bar'],
      ['/api/goto/foo', {}, null],
    ])('GET %s with %j → %s', async (path, headers, location) => {
      const res = await request(prefixed).get(path).set(headers);
      if (location === null) expectEmpty(res);
      else expectRedirect(res, location);
    });

    it('does not answer outside its prefix', async () => {
      const res = await request(prefixed).get('/goto///foo');
      expect(res.status).toBe(404);
      expect(res.text).toBe('fallback');
    });
  });

  describe('options', () => {
    it('gotoRouter is the same factory', () => {
      expect(mixnmatch.gotoRouter).toBe(mixnmatch.goto);
    });

    it('accepts no options, {}, and undefined values', () => {
      expect(() => mixnmatch.goto()).not.toThrow();
      expect(() => mixnmatch.goto({})).not.toThrow();
      expect(() => mixnmatch.goto({ allowedHosts: undefined })).not.toThrow();
    });

    it.each<[string, unknown, string]>([
      [
        'a number',
        { allowedHosts: 5 },
        `goto(): "allowedHosts" must be an array of host names or a function (got 5). Example: goto({ allowedHosts: ['example.com'] })`,
      ],
      [
        'a string',
        { allowedHosts: 'example.com' },
        `goto(): "allowedHosts" must be an array of host names or a function (got "example.com"). Example: goto({ allowedHosts: ['example.com'] })`,
      ],
      [
        'an empty array',
        { allowedHosts: [] },
        `goto(): "allowedHosts" is empty, which would refuse every redirect: list at least one host name, or leave goto() out. Example: goto({ allowedHosts: ['example.com'] })`,
      ],
      [
        'a non-string entry',
        { allowedHosts: ['example.com', 42] },
        `goto(): "allowedHosts" must hold host names as strings (got 42). Example: goto({ allowedHosts: ['example.com'] })`,
      ],
      [
        'an unknown key',
        { allowedHost: ['example.com'] },
        `goto(): unknown option "allowedHost". Did you mean "allowedHosts"? Known options: allowedHosts. Example: goto({ allowedHosts: ['example.com'] })`,
      ],
      [
        'not an object',
        'example.com',
        `goto(): options must be an object (got "example.com"). Example: goto({ allowedHosts: ['example.com'] })`,
      ],
    ])('rejects %s with a ConfigError', (_name, opts, message) => {
      expect(() => mixnmatch.goto(opts as mixnmatch.GotoOptions)).toThrow(mixnmatch.ConfigError);
      expect(() => mixnmatch.goto(opts as mixnmatch.GotoOptions)).toThrow(message);
    });

    it.each([
      'http://example.com',
      'example.com:8080',
      'example.com/path',
      'user@example.com',
      'exa mple.com',
      '*',
      '*.',
      '',
      '::1',
      'a.*.example.com',
    ])('rejects the allowedHosts entry %j', (entry) => {
      expect(() => mixnmatch.goto({ allowedHosts: [entry] })).toThrow(
        `goto(): "allowedHosts" entry ${JSON.stringify(entry)} is not a host name: give the name alone, without scheme, port or path ("example.com", "*.example.com", "[::1]").`,
      );
    });

    it('catches app.use(mixnmatch.goto) without the call', () => {
      expect(() =>
        (mixnmatch.goto as unknown as (...args: unknown[]) => unknown)(
          { method: 'GET', headers: {}, socket: {} },
          {},
          () => undefined,
        ),
      ).toThrow(
        'goto(): it looks like you wrote app.use(mixnmatch.goto) without calling the factory.',
      );
    });
  });
});
