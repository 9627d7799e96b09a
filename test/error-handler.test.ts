import express from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { expectHeaders } from './helpers';

function failing(err: unknown, opts?: mixnmatch.ErrorHandlerOptions) {
  return express().use(
    mixnmatch.headers({ 'X-Foo': 'Foo' }),
    (_req: express.Request, res: express.Response, next: express.NextFunction) => {
      res.setHeader('Content-Disposition', 'attachment');
      res.setHeader('ETag', '"x"');
      next(err);
    },
    mixnmatch.errorHandler({ log: false, ...opts }),
  );
}

describe('errorHandler()', () => {
  it("renders the original's HTML page: code, message, explanation", async () => {
    const res = await request(failing(new mixnmatch.ExtraArgsError('foo/bar'))).get('/');
    expect(res.status).toBe(404);
    expectHeaders(res, { 'content-type': 'text/html; charset=utf-8', 'x-foo': 'Foo' });
    expect(res.text).toContain('<p>Error code: 404</p>');
    expect(res.text).toContain('<p>Message: Not Found.</p>');
    expect(res.text).toContain('<p>Error code explanation: 404 - Extra arguments: foo/bar.</p>');
  });

  it('drops the headers of the representation the failed response was building', async () => {
    const res = await request(failing(new mixnmatch.HttpError(404))).get('/');
    expectHeaders(res, { 'content-disposition': null, etag: null, 'x-foo': 'Foo' });
  });

  it('renders problem JSON when the client asks for JSON', async () => {
    const res = await request(failing(new mixnmatch.MissingArgsError()))
      .get('/')
      .set('Accept', 'application/json');
    expect(res.status).toBe(404);
    expectHeaders(res, { 'content-type': 'application/json; charset=utf-8' });
    expect(res.body).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'Missing required argument.',
    });
  });

  it('types the JSON application/problem+json when the client asks for that', async () => {
    const res = await request(failing(new mixnmatch.HttpError(410)))
      .get('/')
      .set('Accept', 'application/problem+json');
    expect(res.status).toBe(410);
    expectHeaders(res, { 'content-type': 'application/problem+json; charset=utf-8' });
    expect(res.body).toMatchObject({ status: 410, title: 'Gone' });
  });

  it('escapes the message', async () => {
    const res = await request(
      failing(new mixnmatch.HttpError(400, '<script>alert(1)</script>')),
    ).get('/');
    expect(res.text).not.toContain('<script>');
    expect(res.text).toContain('&lt;script&gt;');
  });

  it('hides the message of a server error', async () => {
    const res = await request(failing(new Error('secret detail at /srv/app'))).get('/');
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('secret');
    expect(res.text).toContain('500 - Server got itself in trouble.');
  });

  it('shows the stack only when asked', async () => {
    const err = new Error('with stack');
    expect((await request(failing(err)).get('/')).text).not.toContain('at ');
    expect((await request(failing(err, { stack: true })).get('/')).text).toContain(
      'Error: with stack',
    );
  });

  it("takes status and expose from other libraries' errors", async () => {
    const err = Object.assign(new Error('too big'), { status: 413, expose: true });
    const res = await request(failing(err)).get('/');
    expect(res.status).toBe(413);
    expect(res.text).toContain('413 - too big.');
  });

  it('treats a status outside 400–599 as 500', async () => {
    const err = Object.assign(new Error('odd'), { status: 302 });
    expect((await request(failing(err)).get('/')).status).toBe(500);
  });

  it("sends an error's own headers", async () => {
    const res = await request(failing(new mixnmatch.MethodNotAllowedError(['GET', 'HEAD']))).get(
      '/',
    );
    expect(res.status).toBe(405);
    expectHeaders(res, { allow: 'GET, HEAD' });
  });

  it('handles a thrown non-Error', async () => {
    const res = await request(failing('a string')).get('/');
    expect(res.status).toBe(500);
  });

  it('reports server errors to the log option', async () => {
    const seen: unknown[] = [];
    const err = new Error('logged');
    await request(failing(err, { log: (e) => seen.push(e) })).get('/');
    await request(failing(new mixnmatch.HttpError(404), { log: (e) => seen.push(e) })).get('/');
    expect(seen).toEqual([err]);
  });

  it('sends no body for HEAD', async () => {
    const res = await request(failing(new mixnmatch.HttpError(404))).head('/');
    expect(res.status).toBe(404);
    expect(res.text).toBeUndefined();
  });

  it('rejects unknown options', () => {
    expect(() => mixnmatch.errorHandler({ stacks: true } as never)).toThrow(
      /unknown option "stacks"\. Did you mean "stack"\?/,
    );
  });
});

describe('errorHandler() page text', () => {
  it('keeps quotes as they are, as the original did', async () => {
    const app = express().use(
      (_req: express.Request, _res: express.Response, next: express.NextFunction) =>
        next(new mixnmatch.HttpError(400, 'No "data" parameter present')),
      mixnmatch.errorHandler(),
    );
    expect((await request(app).get('/')).text).toContain('400 - No "data" parameter present.');
  });
});
