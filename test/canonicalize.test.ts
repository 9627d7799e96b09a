import express from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { rawRequest, tempTree } from './helpers';

function echoApp() {
  const app = express();
  app.use(mixnmatch.canonicalize());
  app.use((req, res) => {
    res.json({
      url: req.url,
      path: req.path,
      rawPath: req.rawPath,
      originalUrl: req.originalUrl,
      query: req.query,
    });
  });
  app.use(mixnmatch.errorHandler());
  return app;
}

describe('canonicalize()', () => {
  const app = echoApp();

  it.each([
    ['//test/', '/test/'],
    ['/foo/../test/', '/test/'],
    ['/foo%2f../test/', '/test/'],
    ['/%2e%2e/%2e%2e/etc/passwd', '/etc/passwd'],
    ['/a/./b/../c', '/a/c'],
    ['/../..', '/'],
    ['/a+b', '/a+b'],
    ['/a%20b', '/a%20b'],
    ['/100%25.txt', '/100%25.txt'],
    ['/a%3Fb', '/a%3Fb'],
    ['/caf%C3%A9', '/caf%C3%A9'],
  ])('%s → req.path %s', async (input, expected) => {
    const res = await request(app).get(input);
    expect(res.status).toBe(200);
    expect(res.body.path).toBe(expected);
  });

  it('keeps the query string, undecoded', async () => {
    const res = await request(app).get('/a/../b?x=%2F..&y=1');
    expect(res.body.url).toBe('/b?x=%2F..&y=1');
    expect(res.body.query).toEqual({ x: '/..', y: '1' });
  });

  it('keeps the decoded original in req.rawPath and leaves req.originalUrl alone', async () => {
    const res = await request(app).get('/x/..//a%20b/./c?q');
    expect(res.body.rawPath).toBe('/x/..//a b/./c');
    expect(res.body.originalUrl).toBe('/x/..//a%20b/./c?q');
    expect(res.body.path).toBe('/a%20b/c');
  });

  it('takes the path of an absolute-form request target', async () => {
    const res = await rawRequest(
      app,
      'GET http://example.com/a/../b%20c?q=1 HTTP/1.1\r\nHost: example.com',
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ url: '/b%20c?q=1', rawPath: '/a/../b c' });
  });

  it.each(['/%E0%A4%A', '/%', '/a%zz', '/a%00b', '/%C0%AF'])(
    'gives 400 for %s, never 500',
    async (input) => {
      const res = await request(app).get(input);
      expect(res.status).toBe(400);
      expect(res.text).toMatch(/malformed percent-encoding|NUL byte/);
    },
  );

  it('lets a canonical path through untouched', async () => {
    const res = await request(app).get('/plain/path?x=1');
    expect(res.body.url).toBe('/plain/path?x=1');
  });

  describe('when a static fallback follows', () => {
    const tree = tempTree({ '100%.txt': 'hundred', 'a b.txt': 'space', 'sub/x.txt': 'x' });
    afterAll(() => tree.remove());
    const files = express().use(mixnmatch.canonicalize(), mixnmatch.serveStatic(tree.root));

    it('serves a file whose name holds a percent sign (decoded exactly once)', async () => {
      const res = await request(files).get('/100%25.txt');
      expect(res.status).toBe(200);
      expect(res.text).toBe('hundred');
    });

    it('serves files through dot segments and encoded slashes', async () => {
      expect((await request(files).get('/a%20b.txt')).text).toBe('space');
      expect((await request(files).get('/nope/../sub%2fx.txt')).text).toBe('x');
    });
  });
});
