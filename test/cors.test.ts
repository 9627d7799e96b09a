import corsPackage from 'cors';
import express from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { expectHeaders } from './helpers';

const withOverrides = (opts?: mixnmatch.CorsOptions) => app(opts);

function app(opts?: mixnmatch.CorsOptions) {
  return express().use(
    mixnmatch.cors(opts),
    mixnmatch.endpoints(
      { api: { methods: ['GET', 'PUT'] } },
      { api: (_req, res) => res.send('api') },
    ),
    ((_req, res) => {
      res.send('other');
    }) as express.RequestHandler,
    mixnmatch.errorHandler(),
  );
}

describe('cors()', () => {
  describe('defaults (the original CORS server)', () => {
    it('allows any origin with *, no credentials', async () => {
      const res = await request(app()).get('/x').set('Origin', 'http://evil.test');
      expectHeaders(res, {
        'access-control-allow-origin': '*',
        'access-control-allow-credentials': null,
      });
    });

    it('answers a preflight to an endpoint with its own methods', async () => {
      const res = await request(app())
        .options('/api')
        .set('Origin', 'http://evil.test')
        .set('Access-Control-Request-Method', 'PUT');
      expect(res.status).toBe(200);
      expectHeaders(res, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, HEAD, PUT, OPTIONS',
        allow: 'GET, HEAD, PUT, OPTIONS',
        'access-control-allow-headers':
          'Accept,Accept-Language,Content-Language,Content-Type,Authorization',
      });
    });
  });

  describe('origins option', () => {
    const listed = app({ origins: ['http://a.test', 'http://b.test'], allowCredentials: true });

    it('echoes a listed origin, with Vary: Origin', async () => {
      const res = await request(listed).get('/x').set('Origin', 'http://b.test');
      expectHeaders(res, {
        'access-control-allow-origin': 'http://b.test',
        'access-control-allow-credentials': 'true',
        vary: /Origin/,
      });
    });

    it('sends no Access-Control-Allow-Origin for another', async () => {
      const res = await request(listed).get('/x').set('Origin', 'http://c.test');
      expectHeaders(res, { 'access-control-allow-origin': null });
    });
  });

  it('allowAllOrigins echoes any origin', async () => {
    const res = await request(app({ allowAllOrigins: true }))
      .get('/x')
      .set('Origin', 'http://z.test');
    expectHeaders(res, { 'access-control-allow-origin': 'http://z.test' });
  });

  it('allowedMethods applies to paths that are not endpoints; endpoints keep their own', async () => {
    const server = app({ allowedMethods: ['GET', 'POST'] });
    const endpoint = await request(server)
      .options('/api')
      .set('Origin', 'http://a')
      .set('Access-Control-Request-Method', 'PUT');
    expectHeaders(endpoint, { 'access-control-allow-methods': 'GET, HEAD, PUT, OPTIONS' });
    const other = await request(server)
      .options('/x')
      .set('Origin', 'http://a')
      .set('Access-Control-Request-Method', 'PUT');
    expectHeaders(other, { 'access-control-allow-methods': 'GET,POST' });
  });

  it.each([
    [{}, {}],
    [{ allowCredentials: true }, { credentials: true }],
    [{ exposedHeaders: ['X-A', 'X-B'] }, { exposedHeaders: ['X-A', 'X-B'] }],
  ])(
    'answers a simple request with origin * exactly as the cors package does (%j)',
    async (ours, theirs) => {
      jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      const reference = express().use(corsPackage({ origin: '*', ...theirs }), (_req, res) => {
        res.send('other');
      });
      const pick = (res: request.Response) =>
        Object.fromEntries(
          Object.entries(res.headers).filter(([name]) => name.startsWith('access-control-')),
        );
      const a = await request(app(ours as mixnmatch.CorsOptions))
        .get('/x')
        .set('Origin', 'http://a.test');
      const b = await request(reference).get('/x').set('Origin', 'http://a.test');
      expect(pick(a)).toEqual(pick(b));
      expect(a.headers.vary).toEqual(b.headers.vary);
      jest.restoreAllMocks();
    },
  );

  describe('exposedHeaders and maxAge options', () => {
    const server = app({ exposedHeaders: ['X-Token', 'ETag'], maxAge: 600 });

    it('exposes the listed headers on every answer', async () => {
      const res = await request(server).get('/x').set('Origin', 'http://a.test');
      expectHeaders(res, { 'access-control-expose-headers': 'X-Token,ETag' });
    });

    it('lets browsers cache a preflight for maxAge seconds', async () => {
      const res = await request(server)
        .options('/api')
        .set('Origin', 'http://a.test')
        .set('Access-Control-Request-Method', 'PUT');
      expectHeaders(res, { 'access-control-max-age': '600' });
    });

    it('sends neither by default', async () => {
      const res = await request(app())
        .options('/api')
        .set('Origin', 'http://a.test')
        .set('Access-Control-Request-Method', 'PUT');
      expectHeaders(res, { 'access-control-expose-headers': null, 'access-control-max-age': null });
    });
  });

  describe('when credentials are allowed with origin *', () => {
    afterEach(() => jest.restoreAllMocks());

    it('warns at construction, naming the problem', () => {
      const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      mixnmatch.cors({ allowCredentials: true });
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('a pair browsers refuse'), {
        code: 'MIXNMATCH_CORS_CREDENTIALS_WILDCARD',
      });
    });

    it('does not warn for listed or echoed origins', () => {
      const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      mixnmatch.cors({ allowCredentials: true, origins: ['http://a.test'] });
      mixnmatch.cors({ allowCredentials: true, allowAllOrigins: true });
      expect(warn).not.toHaveBeenCalled();
    });
  });

  it('ignores ?origin= and ?creds= by default', async () => {
    const res = await request(app())
      .get('/x?origin=http%3A%2F%2Fliteral.test&creds=1')
      .set('Origin', 'http://other.test');
    expectHeaders(res, {
      'access-control-allow-origin': '*',
      'access-control-allow-credentials': null,
    });
  });

  describe('per-request overrides (overrides: true)', () => {
    const app = (opts: mixnmatch.CorsOptions = {}) => withOverrides({ overrides: true, ...opts });

    it('?origin={ECHO} echoes the request Origin', async () => {
      const res = await request(app()).get('/x?origin={ECHO}').set('Origin', 'http://echo.test');
      expectHeaders(res, { 'access-control-allow-origin': 'http://echo.test' });
    });

    it('?origin=URL answers with that origin literally', async () => {
      const res = await request(app())
        .get('/x?origin=http%3A%2F%2Fliteral.test')
        .set('Origin', 'http://other.test');
      expectHeaders(res, { 'access-control-allow-origin': 'http://literal.test' });
    });

    it('?creds=1 and ?creds=0 switch credentials', async () => {
      const on = await request(app())
        .get('/x?creds=1&origin={ECHO}')
        .set('Origin', 'http://a.test');
      expectHeaders(on, {
        'access-control-allow-credentials': 'true',
        'access-control-allow-origin': 'http://a.test',
      });
      // Credentials with origin * warn at construction (asserted, not printed).
      const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
      const off = await request(app({ allowCredentials: true })).get('/x?creds=0');
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('a pair browsers refuse'), {
        code: 'MIXNMATCH_CORS_CREDENTIALS_WILDCARD',
      });
      warn.mockRestore();
      expectHeaders(off, { 'access-control-allow-credentials': null });
    });

    it.each(['/x?origin=a%0d%0aSet-Cookie:%20x', '/x?creds=yes', '/x?origin=a%20b'])(
      '%s → 400, never a 500',
      async (path) => {
        const res = await request(app()).get(path);
        expect(res.status).toBe(400);
        expectHeaders(res, { 'set-cookie': null });
      },
    );

    it('are ignored with overrides: false', async () => {
      const res = await request(withOverrides({ overrides: false })).get(
        '/x?origin=http%3A%2F%2Fliteral.test',
      );
      expectHeaders(res, { 'access-control-allow-origin': '*' });
    });
  });

  it('takes every origin a browser sends: IPv6, ports, null, and schemes without a web origin', () => {
    for (const origin of [
      'http://[::1]:8080',
      'https://a.test:8443',
      'null',
      'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
      'moz-extension://0b1c2d3e-aaaa-bbbb-cccc-0123456789ab',
      'capacitor://localhost',
      'tauri://localhost',
    ]) {
      expect(() => mixnmatch.cors({ origins: [origin] })).not.toThrow();
    }
  });

  it.each<[string, unknown, RegExp]>([
    ['origins not a list', { origins: 'http://a' }, /"origins" must be an array/],
    [
      'an origin that is not one',
      { origins: ['notanorigin'] },
      /"notanorigin", which is not an origin/,
    ],
    [
      'an origin with a path',
      { origins: ['https://a.test/'] },
      /which no browser sends: an Origin is https:\/\/a\.test \(/,
    ],
    ['an origin in upper case', { origins: ['https://A.test'] }, /an Origin is https:\/\/a\.test/],
    [
      'a wildcard in an origin',
      { origins: ['https://*.a.test'] },
      /no wildcards\); to echo any origin, use allowAllOrigins/,
    ],
    [
      'a header name with a space',
      { allowedHeaders: ['X A'] },
      /"allowedHeaders" must be an array of header names/,
    ],
    ['an unknown option', { credentials: true }, /unknown option "credentials"/],
    ['a negative maxAge', { maxAge: -1 }, /"maxAge" must be a number of seconds/],
    ['an exposed header with a colon', { exposedHeaders: ['X:Y'] }, /"exposedHeaders" must be/],
  ])('rejects %s', (_name, opts, message) => {
    expect(() => mixnmatch.cors(opts as mixnmatch.CorsOptions)).toThrow(message);
  });
});
