import express from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { expectHeaders } from './helpers';

function app(options: mixnmatch.TemplatesOptions, handler: express.RequestHandler) {
  return express().use(
    mixnmatch.templates(options),
    handler,
    mixnmatch.errorHandler({ log: false }),
  );
}

describe('templates()', () => {
  const options: mixnmatch.TemplatesOptions = {
    pages: {
      plain: { data: 'Hello $name$$', type: 'text/plain' },
      framed: { data: '[$BODY]', type: 'text/x-framed' },
    },
    templates: {
      hello: { page: 'framed', fields: { BODY: 'hi $name' } },
      orphan: {
        page: 'no-such-page',
        fields: { BODY: 'fell back', HEAD: '<title>$title</title>' },
      },
      bare: {},
    },
  };

  it('renderTemplate sends the filled page with its type and length', async () => {
    const res = await request(
      app(options, (_req, res) => res.renderTemplate('hello', { name: 'Ann' })),
    ).get('/');
    expect(res.status).toBe(200);
    expectHeaders(res, { 'content-type': 'text/x-framed', 'content-length': '8' });
    expect(res.text).toBe('[hi Ann]');
  });

  it('renderTemplate takes a status', async () => {
    const res = await request(
      app(options, (_req, res) => res.renderTemplate('hello', {}, 201)),
    ).get('/');
    expect(res.status).toBe(201);
    expect(res.text).toBe('[hi ]');
  });

  it('pageFromTemplate returns the page without sending it', async () => {
    const res = await request(
      app(options, (_req, res) => {
        res.json(res.pageFromTemplate('hello', { name: 'Bo' }));
      }),
    ).get('/');
    expect(res.body).toEqual({ data: '[hi Bo]', type: 'text/x-framed' });
  });

  it('renders a page by its own name', async () => {
    const res = await request(
      app(options, (_req, res) => res.renderTemplate('plain', { name: 'Cy' })),
    ).get('/');
    expect(res.text).toBe('Hello Cy$');
    expectHeaders(res, { 'content-type': 'text/plain' });
  });

  it('falls back to the default page for a template naming a missing page', async () => {
    const res = await request(
      app(options, (_req, res) => res.renderTemplate('orphan', { title: 'T' })),
    ).get('/');
    expectHeaders(res, { 'content-type': 'text/html' });
    expect(res.text).toBe(
      mixnmatch.DEFAULT_PAGE.data
        .replace('$HEAD', '<title>T</title>')
        .replace('$BODY', 'fell back'),
    );
  });

  it('a template without fields is the default page emptied', async () => {
    const res = await request(app(options, (_req, res) => res.renderTemplate('bare'))).get('/');
    expect(res.text).toContain('<!DOCTYPE html>');
    expect(res.text).not.toContain('$');
  });

  it('sends UTF-8 and counts bytes, not characters', async () => {
    const res = await request(
      app(options, (_req, res) => res.renderTemplate('hello', { name: 'Zoë' })),
    ).get('/');
    expect(res.text).toBe('[hi Zoë]');
    expectHeaders(res, { 'content-length': String(Buffer.byteLength('[hi Zoë]')) });
  });

  it('an unknown template name is a server error naming it', async () => {
    const res = await request(
      express().use(
        mixnmatch.templates(options),
        ((_req, res) => res.renderTemplate('nope')) as express.RequestHandler,
        mixnmatch.errorHandler({ log: false, stack: true }),
      ),
    ).get('/');
    expect(res.status).toBe(500);
    expect(res.text).toContain('there is no template or page named "nope"');
  });

  it('nested templates() add to the outer ones, inner names first', async () => {
    const outer = mixnmatch.templates({
      pages: {
        a: { data: 'outer a', type: 'text/plain' },
        b: { data: 'outer b', type: 'text/plain' },
      },
    });
    const inner = mixnmatch.templates({ pages: { a: { data: 'inner a', type: 'text/plain' } } });
    const nested = express().use(outer, inner, (_req, res) => {
      res.send(`${res.pageFromTemplate('a').data}, ${res.pageFromTemplate('b').data}`);
    });
    expect((await request(nested).get('/')).text).toBe('inner a, outer b');
  });

  it('sends no body for HEAD', async () => {
    const res = await request(app(options, (_req, res) => res.renderTemplate('hello'))).head('/');
    expect(res.status).toBe(200);
    expect(res.text).toBeUndefined();
    expectHeaders(res, { 'content-length': '5' });
  });

  describe('options', () => {
    it.each<[string, unknown, RegExp]>([
      [
        'a page without a type',
        { pages: { p: { data: 'x' } } },
        /templates\(\): page "p" must be \{ data: string, type: string \}/,
      ],
      [
        'a bad MIME type',
        { pages: { p: { data: 'x', type: 'html' } } },
        /page "p" has an invalid type "html"/,
      ],
      [
        'a template with an unknown key',
        { templates: { t: { feilds: {} } } },
        /template "t" has an unknown key "feilds"/,
      ],
      [
        'a non-string field',
        { templates: { t: { fields: { A: {} } } } },
        /template "t": field "A" must be a string/,
      ],
      ['an unknown option', { page: {} }, /unknown option "page"\. Did you mean "pages"\?/],
    ])('rejects %s', (_name, opts, message) => {
      expect(() => mixnmatch.templates(opts as mixnmatch.TemplatesOptions)).toThrow(message);
    });
  });
});
