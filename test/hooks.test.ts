import express from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { expectHeaders, NO_CACHE_HEADERS } from './helpers';

const ok: express.RequestHandler = (_req, res) => {
  res.send('ok');
};

describe('deny()', () => {
  const app = express().use(
    mixnmatch.deny((req) => {
      if (req.path.startsWith('/forbidden')) return [403, null, 'Access denied'];
      if (req.path === '/teapot') return [418, 'Teapot', 'I am one'];
      if (req.path === '/gone') return 410;
      if (req.path === '/async') return Promise.resolve([401] as const);
      if (req.path === '/bad') return [200];
      return undefined;
    }),
    ok,
    mixnmatch.errorHandler({ log: false }),
  );

  it('lets a request through when the function returns nothing', async () => {
    expect((await request(app).get('/fine')).text).toBe('ok');
  });

  it('ends the request with [status, message, explain]', async () => {
    const res = await request(app).get('/forbidden/x');
    expect(res.status).toBe(403);
    expect(res.text).toContain('Message: Forbidden.');
    expect(res.text).toContain('Error code explanation: 403 - Access denied.');
    const teapot = await request(app).get('/teapot');
    expect(teapot.status).toBe(418);
    expect(teapot.text).toContain('Message: Teapot.');
    expect(teapot.text).toContain('418 - I am one.');
  });

  it('takes a bare status and a promise', async () => {
    const gone = await request(app).get('/gone');
    expect(gone.status).toBe(410);
    expect(gone.text).toContain('410 - URI no longer exists');
    expect((await request(app).get('/async')).status).toBe(401);
  });

  it('treats a status outside 400–599 as a server error', async () => {
    expect((await request(app).get('/bad')).status).toBe(500);
  });

  it('needs a function', () => {
    expect(() => mixnmatch.deny('x' as never)).toThrow(/deny\(\): expects a function/);
  });
});

describe('noCache()', () => {
  const app = express().use(
    mixnmatch.noCache((req) => !req.path.endsWith('.js')),
    ((req, res, next) =>
      req.path === '/error'
        ? next(new mixnmatch.HttpError(404))
        : ok(req, res, next)) as express.RequestHandler,
    mixnmatch.errorHandler(),
  );

  it('sends the no-cache headers when the predicate holds', async () => {
    expectHeaders(await request(app).get('/foo'), NO_CACHE_HEADERS);
  });

  it('sends none when it does not', async () => {
    expectHeaders(await request(app).get('/foo.js'), {
      'cache-control': null,
      pragma: null,
      expires: null,
    });
  });

  it('keeps them on error pages', async () => {
    const res = await request(app).get('/error');
    expect(res.status).toBe(404);
    expectHeaders(res, NO_CACHE_HEADERS);
  });

  it('applies to everything without a predicate', async () => {
    expectHeaders(
      await request(express().use(mixnmatch.noCache(), ok)).get('/x.js'),
      NO_CACHE_HEADERS,
    );
  });
});

describe('headers()', () => {
  it('sends a fixed map on every response, error pages included', async () => {
    const app = express().use(
      mixnmatch.headers({ 'X-Foo': 'Foobar', 'X-Num': 5, 'X-Many': ['a', 'b'] }),
      ((req, res, next) =>
        req.path === '/error'
          ? next(new Error('x'))
          : ok(req, res, next)) as express.RequestHandler,
      mixnmatch.errorHandler({ log: false }),
    );
    expectHeaders(await request(app).get('/'), {
      'x-foo': 'Foobar',
      'x-num': '5',
      'x-many': 'a, b',
    });
    const error = await request(app).get('/error');
    expect(error.status).toBe(500);
    expectHeaders(error, { 'x-foo': 'Foobar' });
  });

  it('takes a function of the request', async () => {
    const app = express().use(
      mixnmatch.headers((req) => ({ 'X-Path': req.path })),
      ok,
    );
    expectHeaders(await request(app).get('/abc'), { 'x-path': '/abc' });
  });

  it('turns a bad header from the function into an error, not a crash', async () => {
    const app = express().use(
      mixnmatch.headers(() => ({ 'X-Bad': 'a\r\nInjected: yes' })),
      ok,
      mixnmatch.errorHandler({ log: false }),
    );
    const res = await request(app).get('/');
    expect(res.status).toBe(500);
    expectHeaders(res, { injected: null });
  });

  it.each<[string, unknown, RegExp]>([
    ['a value with CR/LF', { 'X-A': 'a\r\nb' }, /headers\(\): header "X-A": .*Example: headers/],
    ['an invalid name', { 'X A': 'a' }, /headers\(\): header "X A"/],
    ['a non-object', 'X-A: a', /expects an object of headers or a function/],
  ])('rejects %s at construction', (_name, map, message) => {
    expect(() => mixnmatch.headers(map as never)).toThrow(message);
  });
});
