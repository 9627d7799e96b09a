import express from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expectHeaders, tempTree } from './helpers';

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

describe('template files and a folder of pages', () => {
  const tree = tempTree({
    'payload.html': '<p>$GREETING, $name</p>',
    'pages/steal.html': '<script>fetch("$TARGET")</script>$UNUSED',
    'pages/note.txt': 'note: $WHAT',
    'pages/.hidden.html': 'hidden',
  });
  afterAll(() => tree.remove());
  const pagesDir = path.join(tree.root, 'pages');
  const served = () =>
    mixnmatch.createApp({
      root: tree.root,
      templates: {
        pagesDir,
        pages: { payload: { file: path.join(tree.root, 'payload.html') } },
        templates: { hello: { page: 'payload', fields: { GREETING: 'Hello' } } },
      },
      errors: { log: false },
    });

  it('serves a file page, its type from its name, and a page edited since is sent new', async () => {
    const app = served();
    let res = await request(app).get('/templates/hello?name=Ann');
    expect(res.status).toBe(200);
    expectHeaders(res, { 'content-type': 'text/html' });
    expect(res.text).toBe('<p>Hello, Ann</p>');
    // Edited while the server runs (another size, so the change is seen whatever the clock).
    writeFileSync(path.join(tree.root, 'payload.html'), '<h1>$GREETING again, $name!</h1>');
    res = await request(app).get('/templates/hello?name=Bo');
    expect(res.text).toBe('<h1>Hello again, Bo!</h1>');
    res = await request(app).get('/templates/payload?GREETING=Hi');
    expect(res.text).toBe('<h1>Hi again, !</h1>');
  });

  it('serves every file of pagesDir by its name, fields from the query, unused ones removed', async () => {
    const app = served();
    const res = await request(app).get('/templates/steal?TARGET=https://evil.test/x');
    expect(res.text).toBe('<script>fetch("https://evil.test/x")</script>');
    const note = await request(app).get('/templates/note?WHAT=a&WHAT=b');
    expectHeaders(note, { 'content-type': 'text/plain' });
    expect(note.text).toBe('note: a');
    // A file added while the server runs is found.
    writeFileSync(path.join(pagesDir, 'late.html'), 'late $X');
    expect((await request(app).get('/templates/late?X=1')).text).toBe('late 1');
  });

  it('answers 404 for a name it does not have, a hidden file, or a path that leaves the folder', async () => {
    const app = served();
    for (const target of [
      '/templates/none',
      '/templates/.hidden',
      '/templates/..%2Fpayload',
      '/templates/steal.html',
    ]) {
      expect((await request(app).get(target)).status).toBe(404);
    }
  });

  it('refuses a page file or a pagesDir that is not there', () => {
    expect(() =>
      mixnmatch.templates({ pages: { x: { file: path.join(tree.root, 'none.html') } } }),
    ).toThrow(/page "x": no such file/);
    expect(() => mixnmatch.templates({ pagesDir: path.join(tree.root, 'none') })).toThrow(
      /"pagesDir" must be a folder/,
    );
  });
});
