// capture(): bins, their responses and sequences, capture all, the dashboard's API, feeds, HAR, curl, retention and who may look.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import Ajv from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json';
// har-schema has no types: its modules are JSON Schemas by name.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const harSchemas = require('har-schema') as Record<string, Record<string, unknown>>;
import express, { type Express } from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { captureStoreContract } from 'mixnmatch/testing';
import { binary, tempTree } from './helpers';
import { openStream } from './helpers/sse';

/** An app as a user mounts capture: first, then the rest. */
function app(opts: mixnmatch.CaptureOptions = {}, tree?: string): Express {
  const server = express();
  server.use(mixnmatch.capture(opts));
  server.use(mixnmatch.canonicalize());
  server.use(mixnmatch.auth({ secrets: ['secret'] }));
  server.use(mixnmatch.cache());
  if (tree) server.use(mixnmatch.serveStatic(tree));
  server.use(mixnmatch.errorHandler());
  return server;
}

async function listen(server: Express): Promise<{ base: string; close: () => Promise<void> }> {
  const http: Server = server.listen(0, '127.0.0.1');
  await new Promise((resolve) => http.once('listening', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

async function newBin(server: Express, response?: object): Promise<{ id: string; url: string }> {
  const res = response
    ? await request(server).post('/bin/new').send(response)
    : await request(server).get('/bin/new');
  expect(res.status).toBe(201);
  return res.body as { id: string; url: string };
}

/** The hits of a bin once `count` of them are kept (hits are kept once their request is over). */
async function hitsOf(store: mixnmatch.MemoryCaptureStore, bin: string, count: number) {
  for (;;) {
    const hits = store.hits(bin);
    if (hits.length >= count) return hits;
    await new Promise<void>((resolve) => {
      const stop = store.subscribe(bin, () => {
        stop();
        resolve();
      });
    });
  }
}

describe('capture() bins', () => {
  const store = new mixnmatch.MemoryCaptureStore();
  const server = app({ store });

  it('makes a bin at GET /bin/new: 201, an unguessable URL-safe id and its URLs', async () => {
    const res = await request(server).get('/bin/new').set('Host', 'test.local:8080');
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const { id, url, feed, api } = res.body as Record<string, string>;
    expect(id).toMatch(/^[a-z2-7]{26}$/);
    expect(url).toBe(`http://test.local:8080/bin/${id}`);
    expect(api).toBe(`http://test.local:8080/_mixnmatch/api/bins/${id}`);
    expect(feed).toBe(`${api}/feed`);
    const other = await newBin(server);
    expect(other.id).not.toBe(id);
  });

  it('captures any method to /bin/{id} and /bin/{id}/{label…}, with the default answer', async () => {
    const { id } = await newBin(server);
    const res = await request(server)
      .put(`/bin/${id}/login-form?a=1&a=2&b=%20x`)
      .set('Cookie', 'sid=victim')
      .set('X-Custom', 'one')
      .type('form')
      .send('user=alice&pw=s3cr3t');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    await request(server).delete(`/bin/${id}/profile/name`);
    const [hit, second] = await hitsOf(store, id, 2);
    expect(hit).toMatchObject({
      bin: id,
      label: 'login-form',
      method: 'PUT',
      target: `/bin/${id}/login-form?a=1&a=2&b=%20x`,
      path: `/bin/${id}/login-form`,
      query: [
        ['a', '1'],
        ['a', '2'],
        ['b', ' x'],
      ],
      httpVersion: '1.1',
      remoteAddress: expect.stringMatching(/127\.0\.0\.1/),
      remotePort: expect.any(Number),
      tls: false,
      body: { text: 'user=alice&pw=s3cr3t', size: 20, truncated: false },
      status: 200,
      durationMs: expect.any(Number),
      worker: 0,
    });
    expect(hit!.id).toMatch(/^\d+-\d+$/);
    expect(new Date(hit!.time).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(hit!.headers).toEqual(
      expect.arrayContaining([
        ['Cookie', 'sid=victim'],
        ['X-Custom', 'one'],
      ]),
    );
    expect(second).toMatchObject({ label: 'profile/name', method: 'DELETE' });
  });

  it('keeps headers in the order received, repeats and raw case kept', async () => {
    const { id } = await newBin(server);
    await request(server).get(`/bin/${id}`).set('X-B', '1').set('x-a', '2');
    const [hit] = await hitsOf(store, id, 1);
    const names = hit!.headers.map(([name]) => name);
    expect(names.indexOf('X-B')).toBeLessThan(names.indexOf('x-a'));
  });

  it('captures a request whose Host is {id}.…, its path as the label', async () => {
    const { id } = await newBin(server);
    const res = await request(server).get('/steal?c=1').set('Host', `${id}.localhost:9000`);
    expect(res.status).toBe(200);
    const [hit] = await hitsOf(store, id, 1);
    expect(hit).toMatchObject({ label: 'steal', target: '/steal?c=1' });
  });

  it('answers an unknown id 404 and captures nothing', async () => {
    const before = store.listBins().length;
    for (const path of [`/bin/${'a'.repeat(26)}`, '/bin/nope', '/bin/../bin/x']) {
      expect((await request(server).get(path)).status).toBe(404);
    }
    expect(store.listBins()).toHaveLength(before);
    // A Host that only looks like a bin is the app's.
    expect(
      (
        await request(server)
          .get('/secret/x')
          .set('Host', `${'a'.repeat(26)}.localhost`)
      ).status,
    ).toBe(401);
  });

  it('keeps at most bodyLimit bytes of a body, with the whole size and truncated', async () => {
    const small = new mixnmatch.MemoryCaptureStore();
    const limited = app({ store: small, bodyLimit: 10 });
    const { id } = await newBin(limited);
    await request(limited).post(`/bin/${id}`).type('text').send('0123456789abcdef');
    const [hit] = await hitsOf(small, id, 1);
    expect(hit!.body).toEqual({ text: '0123456789', size: 16, truncated: true });
  });

  it('keeps a body that is not UTF-8 as base64', async () => {
    const { id } = await newBin(server);
    await request(server)
      .post(`/bin/${id}`)
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.from([0xff, 0x00, 0x80]));
    const [hit] = await hitsOf(store, id, 1);
    expect(hit!.body).toEqual({ base64: '/wCA', size: 3, truncated: false });
  });

  it('keeps the hit before it answers: a client with its answer finds the hit stored', async () => {
    const finished = new Set<string>();
    const seen: [string, boolean][] = [];
    // A store that notes, for each hit it is given, whether its answer had already gone.
    class WatchedStore extends mixnmatch.MemoryCaptureStore {
      override add(hit: Parameters<mixnmatch.MemoryCaptureStore['add']>[0]) {
        seen.push([hit.label, finished.has(hit.target)]);
        return super.add(hit);
      }
    }
    const watched = new WatchedStore();
    const server = express();
    server.use((req, res, next) => {
      res.once('finish', () => finished.add(req.originalUrl));
      next();
    });
    server.use(mixnmatch.capture({ store: watched }));
    const { id } = await newBin(server);
    for (const label of ['one', 'two']) {
      expect((await request(server).post(`/bin/${id}/${label}`).send('x=1')).status).toBe(200);
      // Asked right after the answer: the hit is there.
      expect(watched.hits(id).map((hit) => hit.label)).toContain(label);
    }
    expect(seen).toEqual([
      ['one', false],
      ['two', false],
    ]);
  });

  it('reads a body a middleware in front paused, and answers', async () => {
    const paused = new mixnmatch.MemoryCaptureStore();
    const server = express();
    server.use((req, _res, next) => {
      req.pause();
      next();
    });
    server.use(mixnmatch.capture({ store: paused }));
    const { id } = await newBin(server);
    expect((await request(server).post(`/bin/${id}`).type('text').send('hello')).status).toBe(200);
    expect(paused.hits(id)[0]!.body).toEqual({ text: 'hello', size: 5, truncated: false });
  });

  it('answers a CORS preflight with whatever it asks for, and captures it', async () => {
    const { id } = await newBin(server);
    const res = await request(server)
      .options(`/bin/${id}`)
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'x-stolen, content-type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://evil.example');
    expect(res.headers['access-control-allow-methods']).toBe('PUT');
    expect(res.headers['access-control-allow-headers']).toBe('x-stolen, content-type');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    const [hit] = await hitsOf(store, id, 1);
    expect(hit!.method).toBe('OPTIONS');
  });
});

describe('a bin’s response', () => {
  const store = new mixnmatch.MemoryCaptureStore();
  const server = app({ store });

  it('is set when the bin is made: status, headers, a text body with its type and nosniff', async () => {
    const { id } = await newBin(server, {
      status: 201,
      headers: { 'Content-Type': 'text/html', 'X-Two': ['a', 'b'] },
      body: '<p>hi</p>',
    });
    const res = await request(server).get(`/bin/${id}`);
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('text/html');
    expect(res.headers['x-two']).toBe('a, b');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.text).toBe('<p>hi</p>');
  });

  it('is a sandboxed document, and may not set cookies, clear site data or widen a service worker', async () => {
    // Anyone can make a bin: what it serves must not act on the origin it shares with the app.
    const { id } = await newBin(server, {
      headers: { 'Content-Type': 'text/html' },
      body: "<script>fetch('/_mixnmatch/api/bins')</script>",
    });
    const res = await request(server).get(`/bin/${id}`);
    expect(res.headers['content-security-policy']).toBe('sandbox');
    expect((await request(server).get(`/bin/${(await newBin(server)).id}`)).headers).toMatchObject({
      'content-security-policy': 'sandbox',
    });
    for (const name of ['Set-Cookie', 'clear-site-data', 'Service-Worker-Allowed']) {
      const made = await request(server)
        .post('/bin/new')
        .send({ headers: { [name]: name === 'Service-Worker-Allowed' ? '/' : 'x=1' } });
      expect(made.status).toBe(400);
      expect(made.text).toContain(`a bin may not send ${name}`);
      const changed = await request(server)
        .put(`/_mixnmatch/api/bins/${id}/response`)
        .send({ headers: { [name]: 'x' } });
      expect(changed.status).toBe(400);
    }
    const after = await request(server).get(`/bin/${id}`);
    expect(after.headers['set-cookie']).toBeUndefined();
  });

  it('is changed through the API, a base64 body and a delay included', async () => {
    const { id } = await newBin(server);
    const put = await request(server)
      .put(`/_mixnmatch/api/bins/${id}/response`)
      .send({ status: 202, bodyBase64: Buffer.from([1, 2, 3]).toString('base64'), delayMs: 30 });
    expect(put.status).toBe(200);
    const res = await request(server).get(`/bin/${id}`).buffer(true).parse(binary);
    expect(res.status).toBe(202);
    expect(res.body).toEqual(Buffer.from([1, 2, 3]));
    const [hit] = await hitsOf(store, id, 1);
    expect(hit!.durationMs).toBeGreaterThanOrEqual(25);
    expect((await request(server).get(`/_mixnmatch/api/bins/${id}/response`)).body).toEqual({
      response: { status: 202, bodyBase64: 'AQID', delayMs: 30 },
    });
  });

  it('follows a sequence: the first hits one answer, later ones another (a rebinding test)', async () => {
    const { id } = await newBin(server, {
      status: 200,
      body: 'later',
      sequence: [
        { times: 2, status: 302, headers: { Location: 'http://169.254.169.254/' } },
        { times: 1, status: 500 },
      ],
    });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(server).get(`/bin/${id}`)).status);
    expect(statuses).toEqual([302, 302, 500, 200, 200]);
    const parallel = await newBin(server, { sequence: [{ times: 1, status: 201 }] });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => request(server).get(`/bin/${parallel.id}`)),
    );
    expect(answers.filter((res) => res.status === 201)).toHaveLength(1);
  });

  it.each([
    [{ headers: { 'X-A': 'a\r\nSet-Cookie: x=1' } }, /control character/],
    [{ headers: { 'bad name': 'x' } }, /not a valid header name/],
    [{ headers: { 'Content-Length': '5' } }, /frames the response/],
    [{ status: 99 }, /"status" must be an integer from 200 to 599/],
    [{ delayMs: 60_000 }, /"delayMs"/],
    [{ body: 'x', bodyBase64: 'eA==' }, /not both/],
    [{ bodyBase64: '***' }, /must be base64/],
    [{ sequence: [{ status: 200 }] }, /"times" must be a positive integer/],
    [{ colour: 'red' }, /unknown key "colour"/],
    ['not json', /must be a JSON object|must be JSON/],
  ])('refuses %j with 400 and the reason', async (response, reason) => {
    const { id } = await newBin(server);
    const res = await request(server)
      .put(`/_mixnmatch/api/bins/${id}/response`)
      .set('Accept', 'application/json')
      .set('Content-Type', 'application/json')
      .send(typeof response === 'string' ? response : JSON.stringify(response));
    expect(res.status).toBe(400);
    expect((res.body as { detail: string }).detail).toMatch(reason);
  });
});

describe('capture({ all: true })', () => {
  const tree = tempTree({ 'secret/x.txt': 'x', 'page.txt': 'page' });
  afterAll(() => tree.remove());
  const store = new mixnmatch.MemoryCaptureStore();
  const server = app({ store, all: true }, tree.root);

  it('records every request the app gets, whatever it hits, but the dashboard', async () => {
    await request(server).get('/secret/x.txt');
    await request(server).post('/echo').type('form').send('data=hello');
    await request(server).get('/no/such/file');
    await request(server).get('/%E0%A4%A');
    await request(server).get('/_mixnmatch/api/bins');
    const hits = await hitsOf(store, 'all', 4);
    expect(hits.map((hit) => [hit.target, hit.status])).toEqual([
      ['/secret/x.txt', 401],
      ['/echo', 200],
      ['/no/such/file', 404],
      ['/%E0%A4%A', 400],
    ]);
    expect(hits[1]!.body.text).toBe('data=hello');
  });
});

describe('the dashboard API', () => {
  const store = new mixnmatch.MemoryCaptureStore();
  const server = app({ store });

  it('lists bins with hit counts, pages hits by since/limit/label/method, gets and deletes them', async () => {
    const { id } = await newBin(server);
    await request(server).get(`/bin/${id}/a`);
    await request(server).post(`/bin/${id}/b`);
    await request(server).get(`/bin/${id}/a`);
    await hitsOf(store, id, 3);
    const bins = (await request(server).get('/_mixnmatch/api/bins')).body
      .bins as mixnmatch.BinInfo[];
    expect(bins.find((bin) => bin.id === id)).toMatchObject({ hits: 3, evicted: 0 });
    const all = (await request(server).get(`/_mixnmatch/api/bins/${id}/hits`)).body
      .hits as mixnmatch.Hit[];
    expect(all.map((hit) => hit.label)).toEqual(['a', 'b', 'a']);
    const since = await request(server).get(
      `/_mixnmatch/api/bins/${id}/hits?since=${all[0]!.id}&limit=1`,
    );
    expect(since.body.hits.map((hit: mixnmatch.Hit) => hit.id)).toEqual([all[1]!.id]);
    const labelled = await request(server).get(
      `/_mixnmatch/api/bins/${id}/hits?label=a&method=get`,
    );
    expect(labelled.body.hits).toHaveLength(2);
    const one = await request(server).get(`/_mixnmatch/api/bins/${id}/hits/${all[1]!.id}`);
    expect(one.body).toEqual(all[1]);
    expect(
      (await request(server).delete(`/_mixnmatch/api/bins/${id}/hits/${all[1]!.id}`)).status,
    ).toBe(204);
    expect(
      (await request(server).get(`/_mixnmatch/api/bins/${id}/hits/${all[1]!.id}`)).status,
    ).toBe(404);
    expect((await request(server).delete(`/_mixnmatch/api/bins/${id}`)).status).toBe(204);
    expect((await request(server).get(`/_mixnmatch/api/bins/${id}`)).status).toBe(404);
    expect((await request(server).get(`/bin/${id}`)).status).toBe(404);
  });

  it.each([
    ['since=x', 400],
    ['limit=0', 400],
    ['limit=1001', 400],
  ])('answers ?%s with %d', async (query, status) => {
    const { id } = await newBin(server);
    expect((await request(server).get(`/_mixnmatch/api/bins/${id}/hits?${query}`)).status).toBe(
      status,
    );
  });

  it('is never cached, framed or sniffed, and is not the app’s CORS', async () => {
    const res = await request(server)
      .get('/_mixnmatch/api/bins')
      .set('Origin', 'https://evil.example');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('exports a bin as HAR 1.2, valid against its schema', async () => {
    const { id } = await newBin(server, {
      status: 201,
      headers: { 'Content-Type': 'text/plain' },
      body: 'ok',
    });
    await request(server)
      .post(`/bin/${id}/x?q=1`)
      .set('Cookie', 'a=1; b=2')
      .type('json')
      .send({ x: 1 });
    await request(server).get(`/bin/${id}`);
    await hitsOf(store, id, 2);
    const res = await request(server).get(`/_mixnmatch/api/bins/${id}.har`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${id}.har"`);
    const har = res.body as { log: { entries: Record<string, Record<string, unknown>>[] } };
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addMetaSchema(draft06);
    for (const schema of Object.values(harSchemas)) {
      if (typeof schema.$id === 'string') ajv.addSchema(schema);
    }
    const valid = ajv.validate('har.json#', har);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    const [post] = har.log.entries;
    expect(post!.request).toMatchObject({
      method: 'POST',
      url: expect.stringMatching(new RegExp(`/bin/${id}/x\\?q=1$`)),
      cookies: [
        { name: 'a', value: '1' },
        { name: 'b', value: '2' },
      ],
      queryString: [{ name: 'q', value: '1' }],
      postData: { mimeType: 'application/json', text: '{"x":1}' },
    });
    expect(post!.response).toMatchObject({
      status: 201,
      content: { mimeType: 'text/plain', text: 'ok' },
    });
  });

  it('gives a hit as a curl command line that a shell reads back exactly', async () => {
    const { id } = await newBin(server);
    await request(server)
      .post(`/bin/${id}/it's`)
      .set('X-Evil', "'; rm -rf / #$(id)")
      .type('text')
      .send("it's $(id) `id`");
    const [hit] = await hitsOf(store, id, 1);
    const res = await request(server).get(`/_mixnmatch/api/bins/${id}/hits/${hit!.id}/curl`);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const line = res.text.trim();
    expect(line).toMatch(/^curl --path-as-is --globoff -X 'POST' /);
    // The words as sh reads them, without running anything.
    const words = execFileSync('sh', [
      '-c',
      `set -- ${line.replace(/^curl /, '')}; printf '%s\\0' "$@"`,
    ])
      .toString()
      .split('\0');
    expect(words).toContain("X-Evil: '; rm -rf / #$(id)");
    expect(words).toContain("it's $(id) `id`");
  });
});

describe('the curl line, pasted into a shell', () => {
  const store = new mixnmatch.MemoryCaptureStore();
  const server = app({ store });

  const curlOfBody = async (body: string, label = 'x') => {
    const { id } = await newBin(server);
    await request(server).post(`/bin/${id}/${label}`).type('text').send(body);
    const [hit] = await hitsOf(store, id, 1);
    return (
      await request(server).get(`/_mixnmatch/api/bins/${id}/hits/${hit!.id}/curl`)
    ).text.trim();
  };

  it('sends a body that starts with @ as text, never as a file to upload', async () => {
    const line = await curlOfBody('@/etc/passwd');
    expect(line).toContain("--data-raw '@/etc/passwd'");
    expect(line).not.toContain('--data-binary');
  });

  it('turns curl’s URL globbing off, so [1-9] and {a,b} in a target are text', async () => {
    const line = await curlOfBody('x', '%5B1-9%5D');
    expect(line).toContain('--globoff');
  });

  it('carries a body with a control character a terminal acts on through base64, never raw', async () => {
    const body = 'x\x03;   touch /tmp/never #';
    const line = await curlOfBody(body);
    // eslint-disable-next-line no-control-regex -- control characters are what it looks for
    expect(line).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/);
    expect(line).toMatch(/^printf %s '[A-Za-z0-9+/=]+' \| base64 -d \| curl /);
    // The pipeline's first two commands give the body back exactly.
    const decoded = execFileSync('sh', ['-c', line.slice(0, line.indexOf(' | curl '))]);
    expect(decoded.toString('utf8')).toBe(body);
  });
});

describe('the feeds', () => {
  const store = new mixnmatch.MemoryCaptureStore();
  let site: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    site = await listen(app({ store }));
  });
  afterAll(() => site.close());

  it('streams each hit of a bin as an SSE `hit` event with the hit’s id, and resumes from Last-Event-ID', async () => {
    const { id } = (await (await fetch(`${site.base}/bin/new`)).json()) as { id: string };
    const feed = await openStream(`${site.base}/_mixnmatch/api/bins/${id}/feed`);
    expect(feed.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(feed.response.headers['cache-control']).toBe('no-store');
    await fetch(`${site.base}/bin/${id}/one`, { method: 'POST', body: 'line1\nline2\r\nline3' });
    await fetch(`${site.base}/bin/${id}/two`);
    const [first, second] = await feed.until(2);
    expect(first!.event).toBe('hit');
    const hit = JSON.parse(first!.data) as mixnmatch.Hit;
    expect(first!.id).toBe(hit.id);
    expect(hit.body.text).toBe('line1\nline2\r\nline3');
    feed.close();
    // Hits while away, then a reconnect with the last id seen: every missed hit once, then live ones.
    for (const label of ['three', 'four']) await fetch(`${site.base}/bin/${id}/${label}`);
    const again = await openStream(`${site.base}/_mixnmatch/api/bins/${id}/feed`, {
      'Last-Event-ID': second!.id!,
    });
    await again.until(2);
    await fetch(`${site.base}/bin/${id}/five`);
    const events = await again.until(3);
    expect(events.map((e) => (JSON.parse(e.data) as mixnmatch.Hit).label)).toEqual([
      'three',
      'four',
      'five',
    ]);
    again.close();
  });

  it('sends a backlog larger than the stalled-client limit whole, at the pace the client reads', async () => {
    store.createBin('backlog-bin-for-the-feed0');
    const big = 'b'.repeat(60_000);
    const first = store.add({ ...sample('backlog-bin-for-the-feed0'), label: 'first' })!;
    for (let i = 0; i < 300; i++) {
      store.add({
        ...sample('backlog-bin-for-the-feed0'),
        label: String(i),
        body: { text: big, size: big.length, truncated: false },
      });
    }
    // About 36 MB of JSON after the first hit: more than sse()'s 8 MiB limit at once.
    const feed = await openStream(
      `${site.base}/_mixnmatch/api/bins/backlog-bin-for-the-feed0/feed`,
      {
        'Last-Event-ID': first.id,
      },
    );
    const events = await feed.until(300);
    feed.close();
    expect(events.map((e) => (JSON.parse(e.data) as mixnmatch.Hit).label)).toEqual(
      Array.from({ length: 300 }, (_, i) => String(i)),
    );
  });

  it('streams every bin’s hits at /api/feed', async () => {
    const feed = await openStream(`${site.base}/_mixnmatch/api/feed`);
    const a = (await (await fetch(`${site.base}/bin/new`)).json()) as { id: string };
    const b = (await (await fetch(`${site.base}/bin/new`)).json()) as { id: string };
    await fetch(`${site.base}/bin/${a.id}`);
    await fetch(`${site.base}/bin/${b.id}`);
    const events = await feed.until(2);
    expect(events.map((e) => (JSON.parse(e.data) as mixnmatch.Hit).bin)).toEqual([a.id, b.id]);
    feed.close();
  });
});

describe('sse(res)', () => {
  it('splits multi-line data, names events, sends heartbeats and ends when the client goes', async () => {
    let closed!: () => void;
    const gone = new Promise<void>((resolve) => (closed = resolve));
    const server = express().get('/events', (_req, res) => {
      const stream = mixnmatch.sse(res, { heartbeat: 20 });
      stream.onClose(closed);
      stream.send('a\nb\rc\r\nd', { event: 'multi', id: '7' });
      stream.send({ json: true });
    });
    const site = await listen(server);
    try {
      const stream = await openStream(`${site.base}/events`);
      const [multi, json] = await stream.until(2);
      expect(multi).toEqual({ event: 'multi', id: '7', data: 'a\nb\nc\nd' });
      expect(json).toEqual({ event: 'message', id: '7', data: '{"json":true}' });
      await stream.untilComment();
      stream.close();
      await gone;
    } finally {
      await site.close();
    }
  });

  it('drops a client that stops reading once maxBuffered bytes wait for it', async () => {
    let outcome!: (sent: { events: number; closed: boolean }) => void;
    const done = new Promise<{ events: number; closed: boolean }>((resolve) => (outcome = resolve));
    const server = express().get('/events', (_req, res) => {
      const stream = mixnmatch.sse(res, { maxBuffered: 65_536 });
      let closed = false;
      stream.onClose(() => (closed = true));
      const event = 'x'.repeat(16_384);
      let events = 0;
      while (events < 100_000 && stream.send(event)) events++;
      outcome({ events, closed: closed && stream.closed });
    });
    const site = await listen(server);
    const client = connect(Number(new URL(site.base).port), '127.0.0.1');
    try {
      client.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n');
      // It never reads: what the kernel does not hold waits in the stream, up to the limit.
      client.pause();
      const { events, closed } = await done;
      expect(closed).toBe(true);
      expect(events).toBeLessThan(100_000);
      await new Promise((resolve) => client.once('close', resolve).resume());
    } finally {
      client.destroy();
      await site.close();
    }
  });
});

describe('retention', () => {
  it('evicts the oldest hits past maxHits and shows how many went', async () => {
    const store = new mixnmatch.MemoryCaptureStore({ maxHits: 3 });
    const server = app({ store });
    const { id } = await newBin(server);
    for (let i = 0; i < 5; i++) await request(server).get(`/bin/${id}/${i}`);
    await hitsOf(store, id, 3);
    const res = await request(server).get(`/_mixnmatch/api/bins/${id}/hits`);
    expect(res.body.hits.map((hit: mixnmatch.Hit) => hit.label)).toEqual(['2', '3', '4']);
    expect(res.body.evicted).toBe(2);
  });

  it('counts the bins’ responses in the byte budget, and refuses a response that does not fit (507)', async () => {
    const store = new mixnmatch.MemoryCaptureStore({ maxBytes: 400_000 });
    const server = app({ store });
    const body = 'x'.repeat(20_000);
    const made: string[] = [];
    let res;
    for (;;) {
      res = await request(server).post('/bin/new').send({ body });
      if (res.status !== 201) break;
      made.push((res.body as { id: string }).id);
    }
    // Each response takes about 40 kB of the quarter of 400 kB the responses may have: two fit, the third does not.
    expect(made.length).toBe(2);
    expect(res.status).toBe(507);
    expect(res.text).toMatch(/delete bins/);
    // A hit still fits beside them (the oldest hits make room, the responses stay).
    expect((await request(server).get(`/bin/${made[0]}`)).text).toBe(body);
    await request(server).delete(`/_mixnmatch/api/bins/${made[0]}`);
    expect((await request(server).post('/bin/new').send({ body })).status).toBe(201);
  });

  it('keeps the bins that hold hits when anyone makes bins: the oldest empty one goes, or none is made', async () => {
    const store = new mixnmatch.MemoryCaptureStore({ maxBins: 3 });
    const server = app({ store, all: true });
    const mine = await newBin(server);
    await request(server).get(`/bin/${mine.id}/evidence`);
    // Someone makes bins in a loop: the empty ones make room for each other.
    for (let i = 0; i < 10; i++) await newBin(server);
    expect(store.getBin(mine.id)?.hits).toBe(1);
    // ...and, once every other bin holds hits too, gets 507, not the tester's bin.
    for (const bin of store.listBins()) {
      if (bin.id !== 'all' && bin.hits === 0) await request(server).get(`/bin/${bin.id}`);
    }
    expect((await request(server).get('/bin/new')).status).toBe(507);
    expect(store.getBin(mine.id)?.hits).toBe(1);
  });

  it('keeps a bin’s answer in a hit up to the body limit', async () => {
    const store = new mixnmatch.MemoryCaptureStore();
    const server = app({ store, bodyLimit: 10 });
    const { id } = await newBin(server, { body: 'y'.repeat(1000) });
    await request(server).get(`/bin/${id}`);
    const [hit] = await hitsOf(store, id, 1);
    expect(hit!.response!.body).toEqual({ text: 'y'.repeat(10), size: 1000, truncated: true });
  });

  it('keeps a byte budget', () => {
    const store = new mixnmatch.MemoryCaptureStore({ maxBytes: 10_000 });
    store.createBin('b');
    const big = 'x'.repeat(3000);
    for (let i = 0; i < 10; i++) {
      store.add({ ...sample('b'), body: { text: big, size: 3000, truncated: false } });
    }
    expect(store.hits('b').length).toBeLessThanOrEqual(3);
    expect(store.getBin('b')?.evicted).toBeGreaterThanOrEqual(7);
  });
});

function sample(bin: string): Omit<mixnmatch.Hit, 'id'> {
  return {
    time: new Date().toISOString(),
    bin,
    label: '',
    method: 'GET',
    target: '/',
    path: '/',
    query: [],
    httpVersion: '1.1',
    headers: [],
    remoteAddress: '127.0.0.1',
    remotePort: 1,
    tls: false,
    body: { text: '', size: 0, truncated: false },
    status: 200,
    durationMs: 0,
    worker: 0,
  };
}

describe('who may look', () => {
  it('answers on loopback without a token, but not for a Host that is not loopback (DNS rebinding)', async () => {
    const server = app();
    expect((await request(server).get('/_mixnmatch/api/bins')).status).toBe(200);
    const rebound = await request(server).get('/_mixnmatch/api/bins').set('Host', 'evil.example');
    expect(rebound.status).toBe(403);
    expect(rebound.text).toMatch(/--capture-token/);
  });

  it('asks for the token when it has one: Bearer, or once in the page URL, then a cookie', async () => {
    const token = 'a-long-enough-test-token';
    const server = app({ dashboard: { token } });
    expect((await request(server).get('/_mixnmatch/api/bins')).status).toBe(401);
    expect(
      (
        await request(server)
          .get('/_mixnmatch/api/bins')
          .set('Authorization', 'Bearer wrong-token-of-length')
      ).status,
    ).toBe(401);
    expect(
      (await request(server).get('/_mixnmatch/api/bins').set('Authorization', `Bearer ${token}`))
        .status,
    ).toBe(200);
    const page = await request(server).get(`/_mixnmatch/?token=${token}`);
    expect(page.status).toBe(303);
    expect(page.headers.location).toMatch(/^\/_mixnmatch\/#key=[\w-]{43}$/);
    const cookie = (page.headers['set-cookie'] as unknown as string[])[0]!;
    expect(cookie).toMatch(
      /^mixnmatch_dashboard=.+; Path=\/_mixnmatch\/; HttpOnly; SameSite=Strict$/,
    );
    const again = await request(server).get('/_mixnmatch/').set('Cookie', cookie.split(';')[0]!);
    expect(again.status).toBe(200);
    expect(again.headers['content-security-policy']).toMatch(/default-src 'self'/);
    // The bins stay open.
    const { id } = await newBin(server);
    expect((await request(server).get(`/bin/${id}`)).status).toBe(200);
  });

  /** What a browser's page sends with a request of its own (Fetch Metadata, which a page cannot set). */
  const fromAPage = {
    'Sec-Fetch-Site': 'same-origin',
    'Sec-Fetch-Mode': 'cors',
    'Sec-Fetch-Dest': 'empty',
  };
  const keyOf = (html: string) => /<html lang="en" data-key="([\w-]{43})">/.exec(html)![1]!;

  it('answers a page of the origin’s own (one /echo serves, say) only with the key the dashboard page carries', async () => {
    const server = app();
    const denied = await request(server).get('/_mixnmatch/api/bins').set(fromAPage);
    expect(denied.status).toBe(403);
    expect(denied.text).toMatch(/key the dashboard page carries/);
    // The page opens as a page of its own (a navigation), never framed or fetched.
    for (const dest of ['empty', 'iframe', 'object', 'embed']) {
      const res = await request(server)
        .get('/_mixnmatch/')
        .set({ ...fromAPage, 'Sec-Fetch-Dest': dest });
      expect(res.status).toBe(403);
      expect(res.text).not.toMatch(/data-key/);
    }
    const page = await request(server).get('/_mixnmatch/').set({
      'Sec-Fetch-Site': 'none',
      'Sec-Fetch-Mode': 'navigate',
      'Sec-Fetch-Dest': 'document',
    });
    expect(page.status).toBe(200);
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    const key = keyOf(page.text);
    const withKey = await request(server)
      .get('/_mixnmatch/api/bins')
      .set({ ...fromAPage, 'X-Mixnmatch-Key': key });
    expect(withKey.status).toBe(200);
    expect(withKey.headers['cross-origin-resource-policy']).toBe('same-origin');
    // A feed or a download cannot send a header: the key in the query.
    const { id } = await newBin(server);
    const har = await request(server)
      .get(`/_mixnmatch/api/bins/${id}.har?key=${key}`)
      .set(fromAPage);
    expect(har.status).toBe(200);
    const wrong = await request(server)
      .get('/_mixnmatch/api/bins')
      .set({ ...fromAPage, 'X-Mixnmatch-Key': key.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) });
    expect(wrong.status).toBe(403);
    // Another dashboard (another process, no shared secret) has another key; one secret, one key.
    expect(keyOf((await request(app()).get('/_mixnmatch/')).text)).not.toBe(key);
    const secret = 'shared-by-the-workers';
    expect(keyOf((await request(app({ dashboard: { secret } })).get('/_mixnmatch/')).text)).toBe(
      keyOf((await request(app({ dashboard: { secret } })).get('/_mixnmatch/')).text),
    );
    // A client that is not a browser (curl, a script) is as before, and so is
    // an address typed into the browser's bar (a page cannot send Sec-Fetch-Site: none).
    expect((await request(server).get('/_mixnmatch/api/bins')).status).toBe(200);
    const typed = {
      'Sec-Fetch-Site': 'none',
      'Sec-Fetch-Mode': 'navigate',
      'Sec-Fetch-Dest': 'document',
    };
    expect((await request(server).get('/_mixnmatch/api/bins').set(typed)).status).toBe(200);
  });

  it('with a token, a page’s request needs the key even with the cookie; Bearer is enough', async () => {
    const token = 'a-long-enough-test-token';
    const server = app({ dashboard: { token } });
    const cookie = (
      (await request(server).get(`/_mixnmatch/?token=${token}`)).headers[
        'set-cookie'
      ] as unknown as string[]
    )[0]!.split(';')[0]!;
    const denied = await request(server)
      .get('/_mixnmatch/api/bins')
      .set(fromAPage)
      .set('Cookie', cookie);
    expect(denied.status).toBe(403);
    const page = await request(server)
      .get('/_mixnmatch/')
      .set({ ...fromAPage, 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' })
      .set('Cookie', cookie);
    expect(page.status).toBe(200);
    const keyed = await request(server)
      .get('/_mixnmatch/api/bins')
      .set({ ...fromAPage, 'X-Mixnmatch-Key': keyOf(page.text) })
      .set('Cookie', cookie);
    expect(keyed.status).toBe(200);
    // Over plain http on a host that is not loopback a browser sends no Fetch
    // Metadata: a request with the cookie is taken as a page's, and the page
    // itself comes without its key, which only the token's redirect gives (in
    // the fragment, which no request carries).
    const lan = { Host: '192.0.2.7:58080', Cookie: cookie };
    expect((await request(server).get('/_mixnmatch/api/bins').set(lan)).status).toBe(403);
    const bare = await request(server).get('/_mixnmatch/').set(lan);
    expect(bare.status).toBe(200);
    expect(bare.text).toContain('<html lang="en">');
    const redirect = await request(server).get(`/_mixnmatch/?token=${token}`).set('Host', lan.Host);
    const fromFragment = /#key=([\w-]+)$/.exec(redirect.headers.location!)![1]!;
    expect(fromFragment).toBe(keyOf(page.text));
    expect(
      (
        await request(server)
          .get('/_mixnmatch/api/bins')
          .set({ ...lan, 'X-Mixnmatch-Key': fromFragment })
      ).status,
    ).toBe(200);
    // The key alone is not the token.
    expect(
      (await request(server).get('/_mixnmatch/api/bins').set('X-Mixnmatch-Key', keyOf(page.text)))
        .status,
    ).toBe(401);
    expect(
      (
        await request(server)
          .get('/_mixnmatch/api/bins')
          .set(fromAPage)
          .set('Authorization', `Bearer ${token}`)
      ).status,
    ).toBe(200);
  });

  it('serves no service worker while the dashboard is on: one would see the page and its key', async () => {
    const server = app();
    const res = await request(server).get('/echo?sw').set('Service-Worker', 'script');
    expect(res.status).toBe(403);
    expect(res.text).toMatch(/service worker/);
    const off = app({ dashboard: false });
    expect((await request(off).get('/echo').set('Service-Worker', 'script')).status).not.toBe(403);
  });

  it('serves the page and its files, redirecting the prefix to its folder', async () => {
    const server = app();
    expect((await request(server).get('/_mixnmatch')).headers.location).toBe('/_mixnmatch/');
    const page = await request(server).get('/_mixnmatch/');
    expect(page.text).toContain('<script src="app.js" defer></script>');
    expect(page.text).not.toMatch(/<script>|onclick=|style="/);
    expect((await request(server).get('/_mixnmatch/app.js')).headers['content-type']).toMatch(
      /javascript/,
    );
    expect((await request(server).get('/_mixnmatch/style.css')).status).toBe(200);
  });
});

describe('FileCaptureStore', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mixnmatch-capture-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loses nothing across a restart: bins, responses and hits come back, in order', async () => {
    const file = path.join(dir, 'restart.jsonl');
    const first = new mixnmatch.FileCaptureStore(file);
    const server = app({ store: first });
    const { id } = await newBin(server, { status: 418 });
    for (const label of ['a', 'b', 'c']) await request(server).get(`/bin/${id}/${label}`);
    await hitsOf(first, id, 3);
    first.close();
    const second = new mixnmatch.FileCaptureStore(file);
    expect(second.hits(id).map((hit) => hit.label)).toEqual(['a', 'b', 'c']);
    const again = app({ store: second });
    expect((await request(again).get(`/bin/${id}/d`)).status).toBe(418);
    const hits = await hitsOf(second, id, 4);
    expect(hits.map((hit) => hit.label)).toEqual(['a', 'b', 'c', 'd']);
    second.close();
  });

  it('rewrites its file while it runs, so the file stays within about twice what it keeps', () => {
    const file = path.join(dir, 'bounded.jsonl');
    const store = new mixnmatch.FileCaptureStore(file, { maxHits: 10, compactBytes: 20_000 });
    store.createBin('b');
    let written = 0;
    let largest = 0;
    for (let i = 0; i < 200; i++) {
      const hit = {
        ...sample('b'),
        body: { text: 'x'.repeat(1000), size: 1000, truncated: false },
      };
      written += JSON.stringify(hit).length;
      store.add(hit);
      largest = Math.max(largest, statSync(file).size);
    }
    // 200 hits of ~1.3 KiB were written; the file never held much more than 10 of them plus 20 kB.
    expect(written).toBeGreaterThan(200_000);
    expect(largest).toBeLessThan(2 * (20_000 + 10 * 1_500));
    store.close();
    const reloaded = new mixnmatch.FileCaptureStore(file, { maxHits: 10 });
    expect(reloaded.hits('b')).toHaveLength(10);
    reloaded.close();
  });

  it('skips a torn last line and rewrites the file with what it keeps', () => {
    const file = path.join(dir, 'torn.jsonl');
    const store = new mixnmatch.FileCaptureStore(file, { maxHits: 2 });
    store.createBin('b');
    for (let i = 0; i < 4; i++) store.add(sample('b'));
    store.close();
    const text = readFileSync(file, 'utf8');
    appendFileSync(file, '{"t":"hit","hit":{"id":"9-');
    const reloaded = new mixnmatch.FileCaptureStore(file, { maxHits: 2 });
    expect(reloaded.hits('b')).toHaveLength(2);
    expect(reloaded.getBin('b')?.evicted).toBeGreaterThanOrEqual(0);
    reloaded.close();
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).length).toBeLessThan(
      text.split('\n').length + 1,
    );
  });
});

captureStoreContract('MemoryCaptureStore', () => new mixnmatch.MemoryCaptureStore(), {
  bounded: (maxHits) => new mixnmatch.MemoryCaptureStore({ maxHits }),
  binsBounded: (maxBins) => new mixnmatch.MemoryCaptureStore({ maxBins }),
});

const fileDir = mkdtempSync(path.join(tmpdir(), 'mixnmatch-capture-contract-'));
afterAll(() => rmSync(fileDir, { recursive: true, force: true }));
let files = 0;
captureStoreContract(
  'FileCaptureStore',
  () => new mixnmatch.FileCaptureStore(path.join(fileDir, `${files++}.jsonl`)),
  {
    bounded: (maxHits) =>
      new mixnmatch.FileCaptureStore(path.join(fileDir, `${files++}.jsonl`), { maxHits }),
    binsBounded: (maxBins) =>
      new mixnmatch.FileCaptureStore(path.join(fileDir, `${files++}.jsonl`), { maxBins }),
  },
);
