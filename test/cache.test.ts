// cache(): every endpoint and error path, both status-code modes, options, prefix mounting, concurrent load.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { binary, expectHeaders } from './helpers';
import { binaryPage, seededRandom } from 'mixnmatch/testing';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

function cacheApp(opts?: mixnmatch.CacheOptions): Express {
  const app = express();
  app.use(mixnmatch.canonicalize());
  app.use(mixnmatch.cache(opts));
  app.use(mixnmatch.errorHandler({ log: false }));
  return app;
}

/** The problem JSON of an error response (errorHandler renders it for `Accept: application/json`). */
function detail(res: request.Response): string {
  return (res.body as { detail: string }).detail;
}

/** Percent-encodes every byte, as a browser form might for binary data. */
function percentEncode(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

function postForm(app: Express, path: string, body: string) {
  return request(app).post(path).type('form').set('Accept', 'application/json').send(body);
}

function postJson(app: Express, path: string, body: unknown) {
  return request(app)
    .post(path)
    .set('Accept', 'application/json')
    .send(body as object);
}

describe('cache()', () => {
  describe("the original's cache tests", () => {
    // The original's test script, step by step (it ran in its own status codes).
    const app = cacheApp({ statusCodes: 'mixnmatchttp' });
    const name = 'a1b2c3d4e5f6a7b8c9d0';

    it('replays them in order', async () => {
      let res = await request(app).get(`/cache/${name}`);
      expect(res.status).toBe(500);
      expect(res.text).toContain('This page has not been cached yet');

      for (const path of [`/cache/${name}`, '/echo']) {
        res = await request(app).post(path).type('form').send('');
        expect(res.status).toBe(400);
        expect(res.text).toContain('Cannot load parameters from request');

        res = await postForm(app, path, 'type=text%2Fplain');
        expect(res.status).toBe(400);
        expect(detail(res)).toContain('No "data" parameter present');
      }

      res = await request(app).post(`/cache/${name}`).type('form').send('data=foo&type=text/foo');
      expect(res.status).toBe(204);
      res = await request(app).get(`/cache/${name}`);
      expect(res.status).toBe(200);
      expectHeaders(res, { 'content-type': 'text/plain' });
      expect(res.text).toBe('foo');
      res = await request(app).post('/echo').type('form').send('data=foo&type=text/foo');
      expect(res.status).toBe(200);
      expectHeaders(res, { 'content-type': 'text/plain' });
      expect(res.text).toBe('foo');

      res = await request(app).post(`/cache/${name}`).type('form').send('data=bar&type=text/foo');
      expect(res.status).toBe(500);
      expect(res.text).toContain('Cannot overwrite page, choose a different name');
      res = await request(app).get(`/cache/${name}`);
      expect(res.text).toBe('foo');

      res = await request(app)
        .post(`/cache/${name}.2`)
        .type('form')
        .send('data=foo&type=text/html');
      expect(res.status).toBe(204);
      res = await request(app).get(`/cache/${name}.2`);
      expectHeaders(res, { 'content-type': 'text/html' });
      res = await request(app).post('/echo').type('form').send('data=foo&type=text/html');
      expectHeaders(res, { 'content-type': 'text/html' });

      // "send it as JSON, but not encoded"
      res = await postJson(app, '/echo', { data: 'foo', type: 'text/html' });
      expect(res.status).toBe(400);
      expect(detail(res)).toContain('Cannot Base64 decode request data');
    });
  });

  describe('POST /echo', () => {
    const app = cacheApp();

    describe('when the body is a form', () => {
      it('sends the percent-decoded data back with its type', async () => {
        const res = await request(app)
          .post('/echo')
          .type('form')
          .send('data=%3Ch1%3EHi+there%3C%2Fh1%3E&type=text%2Fhtml%3B+charset%3Dutf-8');
        expect(res.status).toBe(200);
        expectHeaders(res, { 'content-type': 'text/html', 'content-length': '17' });
        expect(res.text).toBe('<h1>Hi there</h1>');
      });

      it('decodes byte for byte, not through UTF-8', async () => {
        const res = await request(app)
          .post('/echo')
          .type('form')
          .send('data=%FF%00%fe&type=application/octet-stream')
          .buffer(true)
          .parse(binary);
        expect(res.status).toBe(200);
        expect(res.body).toEqual(Buffer.from([0xff, 0x00, 0xfe]));
      });

      it('accepts a charset parameter on the Content-Type', async () => {
        const res = await request(app)
          .post('/echo')
          .set('Content-Type', 'application/x-www-form-urlencoded; charset=UTF-8')
          .send('data=caf%C3%A9');
        expect(res.status).toBe(200);
        expect(res.text).toBe('café');
      });

      it('gives 400 for malformed percent-encoding', async () => {
        const res = await postForm(app, '/echo', 'data=100%');
        expect(res.status).toBe(400);
        expect(detail(res)).toMatch(/^Cannot URL decode request data/);
      });

      it('gives an empty page for an empty data field', async () => {
        const res = await request(app).post('/echo').type('form').send('data=');
        expect(res.status).toBe(200);
        expectHeaders(res, { 'content-type': 'text/plain', 'content-length': '0' });
      });
    });

    describe('when the body is JSON', () => {
      it('sends the base64-decoded data back with its type', async () => {
        const res = await request(app)
          .post('/echo')
          .send({ data: Buffer.from('<p>hi</p>').toString('base64'), type: 'text/html' });
        expect(res.status).toBe(200);
        expectHeaders(res, { 'content-type': 'text/html' });
        expect(res.text).toBe('<p>hi</p>');
      });

      it.each(['application/json; charset=utf-8', 'text/json', 'TEXT/JSON; charset=utf-8'])(
        'accepts Content-Type %s',
        async (type) => {
          const res = await request(app)
            .post('/echo')
            .set('Content-Type', type)
            .send(JSON.stringify({ data: 'Zm9v' }));
          expect(res.status).toBe(200);
          expectHeaders(res, { 'content-type': 'text/plain' });
          expect(res.text).toBe('foo');
        },
      );

      it('replays bytes that are not UTF-8 exactly', async () => {
        const res = await request(app)
          .post('/echo')
          .send({ data: ALL_BYTES.toString('base64'), type: 'image/png' })
          .buffer(true)
          .parse(binary);
        expect(res.status).toBe(200);
        expectHeaders(res, { 'content-type': 'image/png', 'content-length': '256' });
        expect(res.body).toEqual(ALL_BYTES);
      });

      it('tolerates line breaks in the base64', async () => {
        const res = await request(app).post('/echo').send({ data: 'Zm9v\nYmFy\n' });
        expect(res.text).toBe('foobar');
      });

      it.each([
        ['a length that is not a multiple of 4', { data: 'foo' }, /length/],
        ['characters outside the alphabet', { data: 'Zm9v!!==' }, /"!"/],
        ['URL-safe base64', { data: '-_-_' }, /"-"/],
        ['data that is not a string', { data: 5 }, /must be a base64 string/],
        ['no data', { type: 'text/html' }, /^No "data" parameter present/],
        ['an array', ['Zm9v'], /must be an object/],
      ])('gives 400 for %s', async (_what, body, reason) => {
        const res = await postJson(app, '/echo', body);
        expect(res.status).toBe(400);
        expect(detail(res)).toMatch(reason);
      });

      it.each(['{"data":', '"Zm9v"', '42', 'null'])('gives 400 for the body %s', async (body) => {
        const res = await request(app)
          .post('/echo')
          .set('Content-Type', 'application/json')
          .set('Accept', 'application/json')
          .send(body);
        expect(res.status).toBe(400);
        expect(detail(res)).toMatch(/^Cannot (decode JSON|load parameters from request)/);
      });
    });

    describe('when the type is not a known MIME type', () => {
      it.each([
        ['text/foo', 'text/plain'],
        ['nonsense', 'text/plain'],
        ['IMAGE/SVG+XML; charset=utf-8', 'image/svg+xml'],
        [' text/css ', 'text/css'],
      ])('%j is sent as %s', async (type, expected) => {
        const res = await request(app).post('/echo').send({ data: 'Zm9v', type });
        expectHeaders(res, { 'content-type': expected });
      });
    });

    describe('when the body is neither JSON nor a form', () => {
      it.each(['text/plain', 'multipart/form-data; boundary=x', 'application/xml'])(
        'gives 415 for %s',
        async (type) => {
          const res = await request(app)
            .post('/echo')
            .set('Content-Type', type)
            .set('Accept', 'application/json')
            .send('data=Zm9v');
          expect(res.status).toBe(415);
          expect(detail(res)).toContain(`Unknown Content-Type: ${type}`);
        },
      );

      it('gives 415 for a body without a Content-Type', async () => {
        const res = await request(app)
          .post('/echo')
          .set('Accept', 'application/json')
          .send(Buffer.from('data=foo'))
          .unset('Content-Type');
        expect(res.status).toBe(415);
        expect(detail(res)).toContain('Unknown Content-Type: none');
      });

      it('gives 400 (no data), not 415, for an empty POST without a Content-Type', async () => {
        const res = await request(app).post('/echo').set('Accept', 'application/json');
        expect(res.status).toBe(400);
        expect(detail(res)).toMatch(/body is empty \(no "data" parameter present\)/);
      });

      it('gives 400 for an empty JSON body', async () => {
        const res = await request(app).post('/echo').set('Content-Type', 'application/json');
        expect(res.status).toBe(400);
      });
    });

    it('is POST only: GET → 405 with Allow', async () => {
      const res = await request(app).get('/echo');
      expect(res.status).toBe(405);
      expectHeaders(res, { allow: 'POST, OPTIONS' });
    });

    it('takes no arguments', async () => {
      const res = await request(app).post('/echo/foo').type('form').send('data=x');
      expect(res.status).toBe(404);
      expect(res.text).toContain('Extra arguments: foo.');
    });
  });

  describe('POST /cache/{name}', () => {
    it('saves the page (204) and GET replays its bytes and type exactly', async () => {
      const app = cacheApp();
      let res = await request(app)
        .post('/cache/bin')
        .send({ data: ALL_BYTES.toString('base64'), type: 'application/octet-stream' });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      res = await request(app).get('/cache/bin').buffer(true).parse(binary);
      expect(res.status).toBe(200);
      expectHeaders(res, {
        'content-type': 'application/octet-stream',
        'content-length': '256',
      });
      // A strong ETag of the page (its own, not Express's weak one of the response).
      expect(res.headers.etag).toMatch(/^"[\w-]{27}"$/);
      expect(res.body).toEqual(ALL_BYTES);
    });

    it('adds no charset to the saved type', async () => {
      const app = cacheApp();
      await request(app).post('/cache/page').type('form').send('data=%C3%A9&type=text/html');
      const res = await request(app).get('/cache/page');
      expectHeaders(res, { 'content-type': 'text/html' });
      expect(res.text).toBe('é');
    });

    it('answers HEAD with the headers and no body', async () => {
      const app = cacheApp();
      await request(app).post('/cache/page').type('form').send('data=hello');
      const res = await request(app).head('/cache/page');
      expect(res.status).toBe(200);
      expectHeaders(res, { 'content-type': 'text/plain', 'content-length': '5' });
      expect(res.text).toBeUndefined();
    });

    it('takes the name decoded, as one path segment', async () => {
      const app = cacheApp();
      await request(app).post('/cache/my%20page').type('form').send('data=spaced');
      expect((await request(app).get('/cache/my page')).text).toBe('spaced');
      expect((await request(app).get('/cache/x/../my%20page/')).text).toBe('spaced');
    });

    describe('when the name is taken', () => {
      it('refuses to overwrite (409) and keeps the data', async () => {
        const app = cacheApp();
        await request(app).post('/cache/p').type('form').send('data=foo');
        const res = await postForm(app, '/cache/p', 'data=bar');
        expect(res.status).toBe(409);
        expect(detail(res)).toMatch(/^Cannot overwrite page, choose a different name/);
        expect((await request(app).get('/cache/p')).text).toBe('foo');
      });

      it('refuses a name whose page was cleared (409): names are never reusable', async () => {
        const app = cacheApp();
        await request(app).post('/cache/p').type('form').send('data=foo');
        await request(app).get('/cache/clear/p');
        const res = await postForm(app, '/cache/p', 'data=bar');
        expect(res.status).toBe(409);
        expect((await request(app).get('/cache/p')).status).toBe(410);
      });
    });

    describe('when the cache is full', () => {
      it('gives 507 with the reason, and the page is not saved', async () => {
        const app = cacheApp({ maxSize: 10 });
        expect((await request(app).post('/cache/a').type('form').send('data=123456')).status).toBe(
          204,
        );
        const res = await postForm(app, '/cache/b', 'data=12345');
        expect(res.status).toBe(507);
        expect(detail(res)).toMatch(/^Cannot save any more pages, call \/cache\/clear/);
        expect(detail(res)).toContain('This page has 5 bytes and the cache holds at most 10');
        expect((await request(app).get('/cache/b')).status).toBe(404);
        // The name was not taken by the failed save.
        expect((await request(app).post('/cache/b').type('form').send('data=1234')).status).toBe(
          204,
        );
      });

      it('takes pages again once others are cleared', async () => {
        const app = cacheApp({ maxSize: 10 });
        await request(app).post('/cache/a').type('form').send('data=1234567890');
        expect((await request(app).post('/cache/b').type('form').send('data=1')).status).toBe(507);
        await request(app).get('/cache/clear');
        expect((await request(app).post('/cache/b').type('form').send('data=1')).status).toBe(204);
      });
    });

    it('gives 414 for a name longer than 256 characters', async () => {
      const app = cacheApp();
      const res = await postForm(app, `/cache/${'n'.repeat(257)}`, 'data=x');
      expect(res.status).toBe(414);
      expect(detail(res)).toContain('at most 256 characters');
      expect(
        (
          await request(app)
            .post(`/cache/${'n'.repeat(256)}`)
            .type('form')
            .send('data=x')
        ).status,
      ).toBe(204);
    });

    it('decodes and refuses bodies as /echo does', async () => {
      const app = cacheApp();
      expect((await postJson(app, '/cache/x', { data: 'foo' })).status).toBe(400);
      expect((await postForm(app, '/cache/x', 'data=%G0')).status).toBe(400);
      expect(
        (await request(app).post('/cache/x').set('Content-Type', 'text/plain').send('x')).status,
      ).toBe(415);
      // None of these took the name.
      expect((await request(app).get('/cache/x')).status).toBe(404);
    });
  });

  describe('GET /cache/{name}', () => {
    const app = cacheApp();

    it('gives 404 for a page never cached', async () => {
      const res = await request(app).get('/cache/nope').set('Accept', 'application/json');
      expect(res.status).toBe(404);
      expect(detail(res)).toBe('This page has not been cached yet.');
    });

    it('gives 410 for a cleared page', async () => {
      await request(app).post('/cache/gone').type('form').send('data=x');
      await request(app).get('/cache/clear/gone');
      const res = await request(app).get('/cache/gone').set('Accept', 'application/json');
      expect(res.status).toBe(410);
      expect(detail(res)).toMatch(/^This page has been cleared\./);
    });

    it('needs a name: GET /cache → 404 missing argument', async () => {
      const res = await request(app).get('/cache');
      expect(res.status).toBe(404);
      expect(res.text).toContain('Missing required argument.');
    });

    it('takes one name only', async () => {
      const res = await request(app).get('/cache/a/b');
      expect(res.status).toBe(404);
      expect(res.text).toContain('Extra arguments: b.');
    });

    it('answers OPTIONS with the methods', async () => {
      const res = await request(app).options('/cache/anything');
      expect(res.status).toBe(200);
      expectHeaders(res, { allow: 'GET, HEAD, POST, OPTIONS', 'content-length': '0' });
    });

    it('refuses other methods with 405 and Allow', async () => {
      const res = await request(app).put('/cache/x');
      expect(res.status).toBe(405);
      expectHeaders(res, { allow: 'GET, HEAD, POST, OPTIONS' });
    });
  });

  describe('GET /cache/clear', () => {
    it('/cache/clear/{name} frees one page (204), the others stay', async () => {
      const app = cacheApp();
      await request(app).post('/cache/a').type('form').send('data=a');
      await request(app).post('/cache/b').type('form').send('data=b');
      const res = await request(app).get('/cache/clear/a');
      expect(res.status).toBe(204);
      expect((await request(app).get('/cache/a')).status).toBe(410);
      expect((await request(app).get('/cache/b')).text).toBe('b');
    });

    it('/cache/clear frees every page (204)', async () => {
      const app = cacheApp();
      await request(app).post('/cache/a').type('form').send('data=a');
      await request(app).post('/cache/b').type('form').send('data=b');
      expect((await request(app).get('/cache/clear')).status).toBe(204);
      expect((await request(app).get('/cache/a')).status).toBe(410);
      expect((await request(app).get('/cache/b')).status).toBe(410);
    });

    it('clearing a name never cached is a 204 that does not take the name', async () => {
      const app = cacheApp();
      expect((await request(app).get('/cache/clear/ghost')).status).toBe(204);
      expect((await request(app).get('/cache/ghost')).status).toBe(404);
      expect((await request(app).post('/cache/ghost').type('form').send('data=x')).status).toBe(
        204,
      );
    });

    it('is GET only: POST /cache/clear → 405 with Allow', async () => {
      const res = await request(cacheApp()).post('/cache/clear').type('form').send('data=x');
      expect(res.status).toBe(405);
      expectHeaders(res, { allow: 'GET, HEAD, OPTIONS' });
    });

    it('takes at most one name', async () => {
      const res = await request(cacheApp()).get('/cache/clear/a/b');
      expect(res.status).toBe(404);
      expect(res.text).toContain('Extra arguments: b.');
    });
  });

  describe('GET /cache/new', () => {
    it('gives a random UUID v4 as text/plain', async () => {
      const app = cacheApp();
      const first = await request(app).get('/cache/new');
      const second = await request(app).get('/cache/new');
      expect(first.status).toBe(200);
      expectHeaders(first, { 'content-type': 'text/plain', 'content-length': '36' });
      expect(first.text).toMatch(UUID_V4);
      expect(second.text).toMatch(UUID_V4);
      expect(second.text).not.toBe(first.text);
    });

    it('gives a name that can be saved', async () => {
      const app = cacheApp();
      const { text: uuid } = await request(app).get('/cache/new');
      expect((await request(app).post(`/cache/${uuid}`).type('form').send('data=x')).status).toBe(
        204,
      );
    });

    it('is GET only: POST /cache/new → 405', async () => {
      const res = await request(cacheApp()).post('/cache/new');
      expect(res.status).toBe(405);
      expectHeaders(res, { allow: 'GET, HEAD, OPTIONS' });
    });
  });

  describe('when mounted at a prefix', () => {
    const app = express();
    app.use(mixnmatch.canonicalize());
    app.use('/api', mixnmatch.cache());
    app.get('/{*rest}', (_req, res) => {
      res.type('text/plain').send('fallback');
    });
    app.use(mixnmatch.errorHandler({ log: false }));

    it('serves /api/cache/... and /api/echo', async () => {
      expect((await request(app).post('/api/cache/p').type('form').send('data=hi')).status).toBe(
        204,
      );
      const res = await request(app).get('/api/cache/p');
      expect(res.status).toBe(200);
      expect(res.text).toBe('hi');
      expect((await request(app).post('/api/echo').type('form').send('data=yo')).text).toBe('yo');
      expect((await request(app).get('/api/cache/new')).text).toMatch(UUID_V4);
      expect((await request(app).get('/api/cache/clear/p')).status).toBe(204);
      expect((await request(app).get('/api/cache/p')).status).toBe(410);
      expect((await request(app).get('/api/x/../cache/p')).status).toBe(410);
    });

    it('leaves paths outside the prefix to later middleware', async () => {
      expect((await request(app).get('/cache/p')).text).toBe('fallback');
      expect((await request(app).get('/api/other')).text).toBe('fallback');
    });
  });

  describe('statusCodes option', () => {
    async function statuses(app: Express) {
      await request(app).post('/cache/taken').type('form').send('data=123456');
      await request(app).post('/cache/cleared').type('form').send('data=1');
      await request(app).get('/cache/clear/cleared');
      return {
        overwrite: (await request(app).post('/cache/taken').type('form').send('data=x')).status,
        neverCached: (await request(app).get('/cache/none')).status,
        cleared: (await request(app).get('/cache/cleared')).status,
        full: (await request(app).post('/cache/big').type('form').send('data=12345')).status,
        contentType: (await request(app).post('/echo').set('Content-Type', 'text/plain').send('x'))
          .status,
        badData: (await request(app).post('/echo').send({ data: 'foo' })).status,
        tooLarge: (
          await request(app)
            .post('/echo')
            .type('form')
            .send(`data=${'x'.repeat(100)}`)
        ).status,
      };
    }

    it("'http' (the default) gives each problem its own status", async () => {
      expect(await statuses(cacheApp({ maxSize: 10, bodyLimit: 50 }))).toEqual({
        overwrite: 409,
        neverCached: 404,
        cleared: 410,
        full: 507,
        contentType: 415,
        badData: 400,
        tooLarge: 413,
      });
    });

    it("'mixnmatchttp' gives the original's codes", async () => {
      expect(
        await statuses(cacheApp({ statusCodes: 'mixnmatchttp', maxSize: 10, bodyLimit: 50 })),
      ).toEqual({
        overwrite: 500,
        neverCached: 500,
        cleared: 500,
        full: 500,
        contentType: 400,
        badData: 400,
        tooLarge: 413,
      });
    });

    it("'mixnmatchttp' keeps the reasons", async () => {
      const app = cacheApp({ statusCodes: 'mixnmatchttp' });
      const res = await request(app).get('/cache/none').set('Accept', 'application/json');
      expect(detail(res)).toBe('This page has not been cached yet.');
    });
  });

  describe('maxSize option', () => {
    it('defaults to 2 MiB of page data', async () => {
      const app = cacheApp();
      const half = Buffer.alloc(1024 * 1024, 1).toString('base64');
      expect((await request(app).post('/cache/a').send({ data: half })).status).toBe(204);
      expect((await request(app).post('/cache/b').send({ data: half })).status).toBe(204);
      expect((await request(app).post('/cache/c').send({ data: 'AA==' })).status).toBe(507);
    });
  });

  describe('bodyLimit option', () => {
    it('gives 413 with a reason naming the limit', async () => {
      const app = cacheApp({ bodyLimit: 100 });
      const res = await postForm(app, '/echo', `data=${'x'.repeat(200)}`);
      expect(res.status).toBe(413);
      expect(detail(res)).toContain('larger than the limit of 100 bytes (bodyLimit)');
    });

    it('by default takes a full-size page posted as base64 JSON', async () => {
      const app = cacheApp();
      const full = Buffer.alloc(2 * 1024 * 1024, 7);
      const res = await request(app)
        .post('/cache/full')
        .send({ data: full.toString('base64') });
      expect(res.status).toBe(204);
      const back = await request(app).get('/cache/full').buffer(true).parse(binary);
      // Buffer#equals: jest's toEqual walks 2 MiB byte by byte for seconds.
      expect((back.body as Buffer).equals(full)).toBe(true);
      expect((back.body as Buffer).length).toBe(full.length);
    });

    it('takes the largest safe maxSize, its default bodyLimit capped there', () => {
      expect(() => mixnmatch.cache({ maxSize: Number.MAX_SAFE_INTEGER })).not.toThrow();
    });

    it('by default grows with maxSize', async () => {
      const app = cacheApp({ maxSize: 4 * 1024 * 1024 });
      const full = Buffer.alloc(4 * 1024 * 1024, 7).toString('base64');
      expect((await request(app).post('/cache/full').send({ data: full })).status).toBe(204);
    });

    it('refuses an oversized body announced by Content-Length before reading it', async () => {
      const app = cacheApp({ bodyLimit: 10 });
      const res = await request(app)
        .post('/echo')
        .type('form')
        .set('Accept', 'application/json')
        .send('data=0123456789');
      expect(res.status).toBe(413);
    });
  });

  describe('maxNames option', () => {
    it('gives 507 for a new name beyond it, counting cleared names', async () => {
      const app = cacheApp({ maxNames: 2 });
      await request(app).post('/cache/a').type('form').send('data=a');
      await request(app).post('/cache/b').type('form').send('data=b');
      await request(app).get('/cache/clear');
      const res = await postForm(app, '/cache/c', 'data=c');
      expect(res.status).toBe(507);
      expect(detail(res)).toContain('remembers at most 2 page names (maxNames)');
    });
  });

  describe('store option', () => {
    it('keeps pages in the given store, which several routers can share', async () => {
      const store = new mixnmatch.MemoryPageStore();
      const one = cacheApp({ store });
      const two = cacheApp({ store });
      await request(one).post('/cache/shared').type('form').send('data=both');
      expect((await request(two).get('/cache/shared')).text).toBe('both');
      expect(await store.size()).toBe(4);
      expect(await store.get('shared')).toEqual({
        data: Buffer.from('both'),
        type: 'text/plain',
        savedAt: expect.any(Number),
        etag: expect.stringMatching(/^"[\w-]{27}"$/),
      });
    });

    it('passes the router limits to the store', async () => {
      const calls: mixnmatch.PageLimits[] = [];
      const memory = new mixnmatch.MemoryPageStore();
      const store: mixnmatch.PageStore = {
        save: (name, page, limits) => {
          calls.push(limits);
          return memory.save(name, page, limits);
        },
        get: (name) => memory.get(name),
        clear: (name) => memory.clear(name),
        clearAll: () => memory.clearAll(),
        size: () => memory.size(),
      };
      await request(cacheApp({ store, maxSize: 1234, maxNames: 56 }))
        .post('/cache/x')
        .type('form')
        .send('data=x');
      expect(calls).toEqual([{ maxSize: 1234, maxNames: 56 }]);
    });

    it('turns a store failure into a 500 that hides the details', async () => {
      const memory = new mixnmatch.MemoryPageStore();
      const store = Object.assign(Object.create(memory) as mixnmatch.PageStore, {
        get: () => Promise.reject(new Error('connection refused: secret-host:6379')),
        save: () => Promise.resolve('maybe' as mixnmatch.PageSaveResult),
      });
      const app = cacheApp({ store });
      let res = await request(app).get('/cache/x').set('Accept', 'application/json');
      expect(res.status).toBe(500);
      expect(res.text).not.toContain('secret-host');
      res = await request(app).post('/cache/x').type('form').send('data=x');
      expect(res.status).toBe(500);
    });
  });

  describe('when a body parser ran before cache()', () => {
    const app = express();
    app.use(express.json(), express.urlencoded({ extended: false }));
    app.use(mixnmatch.cache());
    app.use(mixnmatch.errorHandler({ log: false }));

    it('uses the parsed JSON parameters', async () => {
      const res = await request(app).post('/echo').send({ data: 'Zm9v', type: 'text/html' });
      expect(res.status).toBe(200);
      expectHeaders(res, { 'content-type': 'text/html' });
      expect(res.text).toBe('foo');
    });

    it('uses the parsed form fields (as UTF-8 text)', async () => {
      const res = await request(app).post('/echo').type('form').send('data=caf%C3%A9');
      expect(res.status).toBe(200);
      expect(res.text).toBe('café');
      expect((await request(app).post('/echo').type('form').send('type=text/html')).status).toBe(
        400,
      );
    });
  });

  describe('options validation', () => {
    it.each([
      [
        { maxSize: -1 },
        'cache(): "maxSize" must be a positive integer (got -1). Example: cache({ maxSize: 1048576 })',
      ],
      [{ maxSize: 1.5 }, '"maxSize" must be a positive integer (got 1.5)'],
      [{ maxSize: '2mb' }, '"maxSize" must be a positive integer (got "2mb")'],
      [{ bodyLimit: 0 }, '"bodyLimit" must be a positive integer (got 0)'],
      [{ maxNames: Infinity }, '"maxNames" must be a positive integer (got Infinity)'],
      [
        { statusCodes: 'mixnmatch' },
        `"statusCodes" must be 'http' or 'mixnmatchttp' (got "mixnmatch"). Did you mean "mixnmatchttp"?`,
      ],
      [{ statusCode: 'http' }, 'unknown option "statusCode". Did you mean "statusCodes"?'],
      [{ maxsize: 1 }, 'Did you mean "maxSize"?'],
      [{ store: 'memory' }, '"store" must be a PageStore (got "memory")'],
      ['big', 'cache(): options must be an object (got "big")'],
    ])('refuses %j', (opts, message) => {
      expect(() => mixnmatch.cache(opts as never)).toThrow(mixnmatch.ConfigError);
      expect(() => mixnmatch.cache(opts as never)).toThrow(message);
    });

    it('names the first missing store method', () => {
      const store = { save() {}, get() {}, clear() {}, size() {} };
      expect(() => mixnmatch.cache({ store } as never)).toThrow(
        'cache(): "store" is missing the method clearAll() that a PageStore needs',
      );
    });

    it('accepts a store made from a class', () => {
      class Wrapped extends mixnmatch.MemoryPageStore {}
      expect(() => mixnmatch.cache({ store: new Wrapped() })).not.toThrow();
    });

    it('treats undefined values as defaults', () => {
      expect(() => mixnmatch.cache({ maxSize: undefined, store: undefined })).not.toThrow();
    });

    it('catches app.use(mixnmatch.cache) without the call', async () => {
      const app = express();
      app.use(mixnmatch.cache as never);
      app.use(
        (err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
          res.status(500).send(err.message);
        },
      );
      const res = await request(app).get('/');
      expect(res.text).toContain(
        'cache(): it looks like you wrote app.use(mixnmatch.cache) without calling the factory.',
      );
    });

    it('is exported as cacheRouter too', () => {
      expect(mixnmatch.cacheRouter).toBe(mixnmatch.cache);
    });
  });

  describe('when requests run concurrently', () => {
    let server: Server;
    let base: string;
    const store = new mixnmatch.MemoryPageStore();
    const maxSize = 20_000;
    // A store that checks the accounting after every call that changes it.
    const violations: string[] = [];
    const checked: mixnmatch.PageStore = {
      async save(name, page, limits) {
        const result = await store.save(name, page, limits);
        const size = await store.size();
        if (size < 0 || size > limits.maxSize) violations.push(`size ${size} after save`);
        return result;
      },
      get: (name) => store.get(name),
      async clear(name) {
        await store.clear(name);
        const size = await store.size();
        if (size < 0) violations.push(`size ${size} after clear`);
      },
      async clearAll() {
        await store.clearAll();
      },
      size: () => store.size(),
    };

    beforeAll(async () => {
      server = createServer(cacheApp({ store: checked, maxSize }));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    /** Sums the bytes of every page still readable, checking each against what was posted. */
    async function livePages(names: readonly string[], sizes: readonly number[]) {
      let total = 0;
      const states = await Promise.all(
        names.map((name) => request(base).get(`/cache/${name}`).buffer(true).parse(binary)),
      );
      states.forEach((res, i) => {
        if (res.status === 200) {
          expect(res.body).toEqual(binaryPage(sizes[i]!, i).data);
          total += (res.body as Buffer).length;
        }
      });
      return { total, states: states.map((res) => res.status) };
    }

    it('keeps the accounting exact under hundreds of parallel saves and clears', async () => {
      const random = seededRandom(7);
      const names = Array.from({ length: 300 }, (_, i) => `load-${i}`);
      const sizes = names.map(() => Math.floor(random() * 400));
      const clearTargets = new Set<string>();
      const saves: Promise<request.Response>[] = [];
      const duplicates = new Map<number, Promise<request.Response>>();
      const clears: Promise<unknown>[] = [];
      names.forEach((name, i) => {
        const { data } = binaryPage(sizes[i]!, i);
        const json = { data: data.toString('base64'), type: 'application/octet-stream' };
        const form = `data=${percentEncode(data)}&type=application%2Foctet-stream`;
        saves.push(
          random() < 0.5
            ? request(base).post(`/cache/${name}`).send(json)
            : request(base).post(`/cache/${name}`).type('form').send(form),
        );
        // Now and then the same page twice at once: at most one save may win.
        if (i % 30 === 0) duplicates.set(i, request(base).post(`/cache/${name}`).send(json));
        if (random() < 0.35) {
          const target = names[Math.floor(random() * names.length)]!;
          clearTargets.add(target);
          clears.push(request(base).get(`/cache/clear/${target}`));
        }
      });
      const saved = await Promise.all(saves);
      await Promise.all(clears);
      const won = saved.map((res) => res.status === 204);
      for (const [i, duplicate] of duplicates) {
        const both = [saved[i]!.status, (await duplicate).status];
        expect(both.filter((s) => s === 204).length).toBeLessThanOrEqual(1);
        if (both.includes(204)) expect([409, 507]).toContain(both.find((s) => s !== 204));
        won[i] = both.includes(204);
      }

      expect(violations).toEqual([]);
      const outcomes = new Set(saved.map((res) => res.status));
      expect([...outcomes].every((s) => [204, 409, 507].includes(s))).toBe(true);
      expect(outcomes.has(204)).toBe(true);
      expect(outcomes.has(507)).toBe(true);

      const { total, states } = await livePages(names, sizes);
      names.forEach((name, i) => {
        if (saved[i]!.status === 409) expect(duplicates.has(i)).toBe(true);
        if (won[i]) {
          // Every 204 page is readable, unless a clear was sent for it.
          if (clearTargets.has(name)) expect([200, 410]).toContain(states[i]);
          else expect(states[i]).toBe(200);
        } else {
          expect(states[i]).toBe(404);
        }
      });
      const size = await store.size();
      expect(size).toBe(total);
      expect(size).toBeLessThanOrEqual(maxSize);
    });

    it('ends empty after parallel saves mixed with clear-all', async () => {
      const requests: Promise<unknown>[] = [];
      for (let i = 0; i < 200; i++) {
        requests.push(
          request(base)
            .post(`/cache/mix-${i}`)
            .send({ data: binaryPage(i, i).data.toString('base64') }),
        );
        if (i % 40 === 0) requests.push(request(base).get('/cache/clear'));
      }
      await Promise.all(requests);
      expect(violations).toEqual([]);
      const names = Array.from({ length: 200 }, (_, i) => `mix-${i}`);
      const sizes = names.map((_, i) => i);
      const { total } = await livePages(names, sizes);
      expect(await store.size()).toBe(total);
      await request(base).get('/cache/clear');
      expect(await store.size()).toBe(0);
    });
  });
});

describe('cache(): conditional requests and waiting for a page', () => {
  const saved = async () => {
    const app = cacheApp();
    expect(
      (await request(app).post('/cache/p').type('form').send('data=hello&type=text/plain')).status,
    ).toBe(204);
    const first = await request(app).get('/cache/p');
    return {
      app,
      etag: first.headers.etag as string,
      lastModified: first.headers['last-modified'] as string,
    };
  };

  it('gives a saved page a strong ETag and Last-Modified (whole seconds)', async () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const { etag, lastModified } = await saved();
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    expect(Date.parse(lastModified)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(lastModified)).toBeLessThanOrEqual(Date.now());
  });

  it.each([
    // header, value (from the page's validators), method, status
    ['if-none-match', (v: V) => v.etag, 'get', 304],
    ['if-none-match', (v: V) => `W/${v.etag}`, 'get', 304],
    ['if-none-match', (v: V) => `"other", ${v.etag}`, 'head', 304],
    ['if-none-match', () => '*', 'get', 304],
    ['if-none-match', () => '"other"', 'get', 200],
    ['if-modified-since', (v: V) => v.lastModified, 'get', 304],
    ['if-modified-since', () => 'Thu, 01 Jan 1970 00:00:00 GMT', 'get', 200],
    ['if-modified-since', () => 'not a date', 'get', 200],
    ['if-modified-since', () => '2030', 'get', 200],
    ['if-unmodified-since', () => '1', 'get', 200],
    ['if-match', (v: V) => v.etag, 'get', 200],
    ['if-match', () => '*', 'get', 200],
    ['if-match', () => '"other"', 'get', 412],
    ['if-match', (v: V) => `W/${v.etag}`, 'get', 412],
    ['if-unmodified-since', (v: V) => v.lastModified, 'get', 200],
    ['if-unmodified-since', () => 'Thu, 01 Jan 1970 00:00:00 GMT', 'get', 412],
  ] as const)('%s: %s on %s gives %d', async (header, value, method, status) => {
    const { app, etag, lastModified } = await saved();
    const res = await request(app)[method]('/cache/p').set(header, value({ etag, lastModified }));
    expect(res.status).toBe(status);
    if (status === 304) {
      expect(res.headers.etag).toBe(etag);
      expect(res.text ?? '').toBe('');
    }
    if (status === 200 && method === 'get') expect(res.text).toBe('hello');
  });

  it('takes If-None-Match over If-Modified-Since, and If-Match over If-Unmodified-Since', async () => {
    const { app, etag, lastModified } = await saved();
    const both = await request(app)
      .get('/cache/p')
      .set('If-None-Match', '"other"')
      .set('If-Modified-Since', lastModified);
    expect(both.status).toBe(200);
    const matched = await request(app)
      .get('/cache/p')
      .set('If-Match', etag)
      .set('If-Unmodified-Since', 'Thu, 01 Jan 1970 00:00:00 GMT');
    expect(matched.status).toBe(200);
  });

  it('answers a name with no page 404 or 410 whatever its conditions (RFC 9110 §13.2.1)', async () => {
    const app = cacheApp();
    expect((await request(app).get('/cache/none').set('If-Match', '*')).status).toBe(404);
    expect((await request(app).get('/cache/none').set('If-None-Match', '*')).status).toBe(404);
    await request(app).post('/cache/gone').type('form').send('data=x');
    await request(app).get('/cache/clear/gone');
    expect((await request(app).get('/cache/gone').set('If-None-Match', '"x"')).status).toBe(410);
  });

  /** A memory store that tells when a request starts waiting on it. */
  const watchedStore = () => {
    const store = new mixnmatch.MemoryPageStore();
    const waitFor = store.waitFor.bind(store);
    let started: () => void = () => undefined;
    const waiting = new Promise<void>((resolve) => (started = resolve));
    store.waitFor = (...args) => {
      started();
      return waitFor(...args);
    };
    return { store, waiting };
  };

  /** Serves `app` on a free loopback port: its URL, and how to stop it. */
  const listening = async (app: Express) => {
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return {
      base: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
      close: () => {
        server.closeAllConnections();
        server.close();
      },
    };
  };

  it('waits with ?wait=S for a name not saved yet, and answers as soon as it is', async () => {
    const { store, waiting: started } = watchedStore();
    const { base, close } = await listening(cacheApp({ store }));
    try {
      const waiting = fetch(`${base}/cache/stolen?wait=30`);
      // The save comes while the GET waits (a PoC's victim sending the data).
      await started;
      const save = await fetch(`${base}/cache/stolen`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'data=secret%20data',
      });
      expect(save.status).toBe(204);
      const res = await waiting;
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('secret data');
    } finally {
      close();
    }
  });

  it('answers ?wait= at its end with 404, a cleared name at once with 410, and a bad wait with 400', async () => {
    const app = cacheApp();
    expect((await request(app).get('/cache/nothing?wait=0.05')).status).toBe(404);
    await request(app).post('/cache/was').type('form').send('data=x');
    await request(app).get('/cache/clear/was');
    expect((await request(app).get('/cache/was?wait=60')).status).toBe(410);
    for (const wait of ['-1', 'soon', '1e3', '']) {
      const res = await request(app).get(`/cache/nothing?wait=${wait}`);
      expect(res.status).toBe(400);
    }
  });

  it('lets a waiting client go away, and saves afterwards as usual', async () => {
    const { store, waiting: started } = watchedStore();
    const { base, close } = await listening(cacheApp({ store }));
    try {
      const gone = new AbortController();
      const waiting = fetch(`${base}/cache/later?wait=30`, { signal: gone.signal }).catch(
        (err: Error) => err.name,
      );
      await started;
      gone.abort();
      expect(await waiting).toBe('AbortError');
      const save = await fetch(`${base}/cache/later`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'data=x',
      });
      expect(save.status).toBe(204);
    } finally {
      close();
    }
  });
});

type V = { etag: string; lastModified: string };
