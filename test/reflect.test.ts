// reflect(): go-httpbin's request and response tools, replaying go-httpbin's own test expectations, then beyond them.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { binary, exchange, rawRequest } from './helpers';
import { REFLECT_TOOLS } from '../src/reflect';
import path from 'node:path';

/** reflect(opts) (at `mount`), then errorHandler(): go-httpbin's test app has a 1 KiB body limit and a 1 s delay limit. */
function reflectApp(opts: mixnmatch.ReflectOptions = {}, mount?: string): Express {
  const app = express();
  app.use(mixnmatch.canonicalize());
  const router = mixnmatch.reflect({ maxBodySize: 1024, maxDelay: 1, ...opts });
  if (mount) app.use(mount, router);
  else app.use(router);
  app.use(mixnmatch.errorHandler({ log: false }));
  return app;
}

const ALLOWED = ['httpbingo.org', 'example.org', 'www.example.com'];
const FORBIDDEN = `Forbidden redirect URL. Please be careful with this link.

Allowed redirect destinations:
- example.org
- httpbingo.org
- www.example.com`;

type Method = 'get' | 'delete' | 'patch' | 'post' | 'put';
const VERBS: Method[] = ['get', 'delete', 'patch', 'post', 'put'];
const PATHS = ['/anything', '/anything/else'];
const CASES = PATHS.flatMap((path) => VERBS.map((verb) => [verb.toUpperCase(), path] as const));

/** A request of `method` to `path`, with a body of `type` when given. */
function send(app: Express, method: string, path: string, body?: string | Buffer, type?: string) {
  let req = request(app)[method.toLowerCase() as Method](path);
  if (type !== undefined) req = req.set('Content-Type', type);
  if (body !== undefined) req = req.send(body);
  return req;
}

/** Go's `url.Values.Encode()`: names sorted, each value percent-encoded with `+` for a space. */
function encodeValues(values: Record<string, string[]>): string {
  const params = new URLSearchParams();
  for (const name of Object.keys(values).sort()) {
    for (const value of values[name]!) params.append(name, value);
  }
  return params.toString();
}

/** A multipart body of fields (and files: `name` → [filename, contents]), with its Content-Type. */
function multipart(
  fields: [string, string][],
  files: [string, string, string][] = [],
): { body: Buffer; type: string } {
  const boundary = 'mixnmatch-boundary-8f3a';
  let text = '';
  for (const [name, value] of fields) {
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  }
  for (const [name, filename, contents] of files) {
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n${contents}\r\n`;
  }
  text += `--${boundary}--\r\n`;
  return { body: Buffer.from(text, 'utf8'), type: `multipart/form-data; boundary=${boundary}` };
}

/** Listens on a free loopback port for a test that writes raw bytes. */
async function listen(app: Express): Promise<{ server: Server; port: number }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** One raw {@link exchange} with `app`, served on a free loopback port for it. */
async function appExchange(
  app: Express,
  head: string,
  rest = '',
): Promise<{ first: string; all: string }> {
  const { server, port } = await listen(app);
  try {
    return await exchange(port, head, rest);
  } finally {
    server.close();
  }
}

/** Reads a supertest answer of any type as text, into `res.body`. */
function asText(res: request.Response, done: (err: Error | null, text: string) => void) {
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  res.on('end', () => done(null, text));
}

describe("reflect(): go-httpbin's TestAnything", () => {
  const app = reflectApp();

  describe.each(CASES)('%s %s', (method, path) => {
    it.each([
      ['application/octet-stream', 'encodeMe'],
      ['image/png', 'encodeMe-png'],
      ['image/webp', 'encodeMe-webp'],
      ['image/jpeg', 'encodeMe-jpeg'],
      ['unknown', 'encodeMe-unknown'],
    ])('a %s body is a data: URL in base64', async (type, body) => {
      const res = await send(app, method, path, body, type);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ method, args: {}, files: {}, form: {}, json: null });
      expect(res.body.data).toBe(`data:${type};base64,${Buffer.from(body).toString('base64')}`);
    });

    it.each([
      '',
      'application/json; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; foo',
    ])('an empty body with Content-Type %j is no data', async (type) => {
      const res = await send(app, method, path, undefined, type || undefined);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        data: '',
        method,
        args: {},
        files: {},
        form: {},
        json: null,
      });
    });

    it('reads a form', async () => {
      const res = await send(
        app,
        method,
        path,
        'foo=foo&bar=bar1&bar=bar2',
        'application/x-www-form-urlencoded',
      );
      expect(res.body).toMatchObject({
        form: { foo: ['foo'], bar: ['bar1', 'bar2'] },
        method,
        args: {},
        files: {},
        json: null,
      });
    });

    it('keeps a form without Content-Type as application/octet-stream', async () => {
      const form = encodeValues({ foo: ['foo'], bar: ['bar1', 'bar2'] });
      const res = await send(app, method, path, Buffer.from(form));
      expect(res.body).toMatchObject({ method, args: {}, files: {}, form: {}, json: null });
      expect(res.body.data).toBe(
        `data:application/octet-stream;base64,${Buffer.from(form).toString('base64')}`,
      );
    });

    it('shows an HTML body as it came, in JSON', async () => {
      const html = '<html><body><h1>hello world</h1></body></html>';
      const res = await send(app, method, path, html, 'text/html; charset=utf-8');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.text).toContain(html);
    });

    it.each([
      ['a form', '%ZZ', 'application/x-www-form-urlencoded'],
      ['a multipart body', '%ZZ', 'multipart/form-data; etc'],
      ['JSON', 'foo', 'application/json; charset=utf-8'],
    ])('refuses an invalid %s with 400', async (_what, body, type) => {
      expect((await send(app, method, path, body, type)).status).toBe(400);
    });

    it('refuses a body over maxBodySize with 413 (go-httpbin says 400)', async () => {
      const res = await send(app, method, path, Buffer.alloc(1025), 'application/octet-stream');
      expect(res.status).toBe(413);
      expect(res.text).toContain('1024 bytes (maxBodySize)');
    });

    it('reads JSON, and shows it as sent in data', async () => {
      const input = {
        Foo: 'foo',
        Bar: 123,
        Baz: [1.0, 1.1, 1.2],
        Quux: { 1: 'one', 2: 'two', 3: 'three' },
      };
      const text = JSON.stringify(input);
      const res = await send(app, method, path, text, 'application/json; charset=utf-8');
      expect(res.body).toMatchObject({
        data: text,
        method,
        args: {},
        files: {},
        form: {},
        json: input,
      });
    });

    it('reads multipart fields', async () => {
      const { body, type } = multipart([
        ['foo', 'foo'],
        ['bar', 'bar1'],
        ['bar', 'bar2'],
      ]);
      const res = await send(app, method, path, body, type);
      expect(res.body).toMatchObject({
        method,
        args: {},
        files: {},
        form: { foo: ['foo'], bar: ['bar1', 'bar2'] },
        json: null,
      });
    });

    it('reads multipart files', async () => {
      const { body, type } = multipart([], [['fieldname', 'filename', 'hello world']]);
      const res = await send(app, method, path, body, type);
      expect(res.body).toMatchObject({
        method,
        args: {},
        files: { fieldname: ['hello world'] },
        form: {},
        json: null,
      });
    });

    it('shows the query in args', async () => {
      const res = await send(app, method, `${path}?foo=foo&bar=bar1&bar=bar2`);
      expect(res.body).toMatchObject({
        args: { foo: ['foo'], bar: ['bar1', 'bar2'] },
        method,
        files: {},
        form: {},
        json: null,
      });
    });

    it('shows the query and a form body apart', async () => {
      const args = { query1: ['foo'], query2: ['bar1', 'bar2'] };
      const form = { form1: ['foo'], form2: ['bar1', 'bar2'] };
      const res = await send(
        app,
        method,
        `${path}?${encodeValues(args)}`,
        encodeValues(form),
        'application/x-www-form-urlencoded',
      );
      expect(res.body).toMatchObject({ method, args, form });
    });

    it('shows Transfer-Encoding: chunked among the headers', async () => {
      const res = await rawRequest(
        app,
        `${method} ${path} HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked`,
        '2\r\n{}\r\n0\r\n\r\n',
      );
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).headers['Transfer-Encoding']).toEqual(['chunked']);
    });

    it('answers Expect: 100-continue with 100, then reads the body', async () => {
      const { first, all } = await appExchange(
        app,
        `${method} ${path} HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
        'test body',
      );
      expect(first).toBe('HTTP/1.1 100 Continue');
      const body = all.slice(all.lastIndexOf('\r\n\r\n') + 4);
      expect(all).toMatch(/HTTP\/1\.1 200 OK/);
      expect(JSON.parse(body).data).toBe('test body');
    });
  });

  it('answers HEAD with 200, no body and no Content-Length', async () => {
    const res = await request(app).head('/anything');
    expect(res.status).toBe(200);
    expect(res.text ?? '').toBe('');
    expect(res.headers['content-length']).toBeUndefined();
  });

  it('gives the keys in go-httpbin order, with origin and url', async () => {
    const res = await request(app).post('/anything/x?a=1').set('Host', 'test-host').send('x');
    expect(Object.keys(res.body)).toEqual([
      'args',
      'headers',
      'method',
      'origin',
      'url',
      'data',
      'files',
      'form',
      'json',
    ]);
    expect(res.body.origin).toBe('127.0.0.1');
    expect(res.body.url).toBe('http://test-host/anything/x?a=1');
    expect(res.text.endsWith('}\n')).toBe(true);
    expect(res.text).toContain('\n  "args": {\n    "a": [\n      "1"\n    ]\n  },\n');
  });

  it("believes the client-address headers, in go-httpbin's order", async () => {
    const res = await request(app)
      .get('/anything')
      .set('X-Forwarded-For', '203.0.113.9, 10.0.0.1')
      .set('X-Forwarded-Proto', 'https');
    expect(res.body.origin).toBe('203.0.113.9');
    expect(res.body.url).toMatch(/^https:\/\//);
    const cdn = await request(app)
      .get('/anything')
      .set('X-Forwarded-For', '203.0.113.9')
      .set('CF-Connecting-IP', '198.51.100.7');
    expect(cdn.body.origin).toBe('198.51.100.7');
  });
});

describe("reflect(): go-httpbin's TestHeaders", () => {
  const app = reflectApp();

  it('shows every header line, names in canonical form, Host once', async () => {
    const res = await request(app)
      .get('/headers')
      .set('Host', 'test-host')
      .set('User-Agent', 'test')
      .set('Foo-Header', 'foo')
      .set('bar-header', ['bar1', 'bar2'] as unknown as string); // two header lines;
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['headers']);
    expect(res.body.headers).toMatchObject({
      Host: ['test-host'],
      'User-Agent': ['test'],
      'Foo-Header': ['foo'],
      'Bar-Header': ['bar1', 'bar2'],
    });
  });

  it('shows cookies, Origin and Sec-Fetch-* exactly as sent', async () => {
    const res = await request(app)
      .get('/headers')
      .set('Cookie', 'SESSION=abc; other=1')
      .set('Origin', 'http://localhost:8000')
      .set('Sec-Fetch-Site', 'cross-site')
      .set('Sec-Fetch-Mode', 'cors');
    expect(res.body.headers).toMatchObject({
      Cookie: ['SESSION=abc; other=1'],
      Origin: ['http://localhost:8000'],
      'Sec-Fetch-Site': ['cross-site'],
      'Sec-Fetch-Mode': ['cors'],
    });
  });
});

describe("reflect(): go-httpbin's TestStatus", () => {
  const app = reflectApp();
  const MULTIPLE_CHOICES = `<!doctype html>
<head>
<title>Multiple Choices</title>
</head>
<body>
<ul>
<li><a href="/image/jpeg">/image/jpeg</a></li>
<li><a href="/image/png">/image/png</a></li>
<li><a href="/image/svg">/image/svg</a></li>
</body>
</html>`;
  const PERMANENT = `<!doctype html>
<head>
<title>Permanent Redirect</title>
</head>
<body>Permanently redirected to <a href="/image/jpeg">/image/jpeg</a>
</body>
</html>`;

  it.each<[number, Record<string, string>, string]>([
    [200, {}, ''],
    [300, { location: '/image/jpeg' }, MULTIPLE_CHOICES],
    [301, { location: '/redirect/1' }, ''],
    [302, { location: '/redirect/1' }, ''],
    [308, { location: '/image/jpeg' }, PERMANENT],
    [401, { 'www-authenticate': 'Basic realm="Fake Realm"' }, ''],
    [402, { 'x-more-info': 'http://vimeo.com/22053820' }, 'Fuck you, pay me!'],
    [407, { 'proxy-authenticate': 'Basic realm="Fake Realm"' }, ''],
    [418, { 'x-more-info': 'http://tools.ietf.org/html/rfc2324' }, "I'm a teapot!"],
    [500, {}, ''],
    [599, {}, ''],
  ])('/status/%d', async (code, headers, body) => {
    const res = await request(app).get(`/status/${code}`).buffer(true).parse(asText);
    expect(res.status).toBe(code);
    expect(res.body).toBe(body);
    expect(res.headers['content-type']).toBe(
      code === 406 ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    );
    expect(res.headers).toMatchObject(headers);
  });

  it('/status/406 names the types it could have sent, in JSON', async () => {
    const res = await request(app).get('/status/406');
    expect(res.status).toBe(406);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({
      message: 'Client did not request a supported media type',
      accept: ['image/webp', 'image/svg+xml', 'image/jpeg', 'image/png', 'image/'],
    });
  });

  it.each([
    ['/status', 404],
    ['/status/', 404],
    ['/status/200/foo', 404],
    ['/status/3.14', 400],
    ['/status/foo', 400],
    ['/status/600', 400],
    ['/status/1024', 400],
    ['/status/99', 400],
    ['/status/-200', 400],
    ['/status/200:foo,500:1', 400],
    ['/status/200:1,foo:1', 400],
    ['/status/200:-1,500:1', 400],
    ['/status/200:0,500:0', 400],
    ['/status/200:1,600:1', 400],
    ['/status/200:1e400,500:1', 400],
  ])('%s → %d', async (path, status) => {
    expect((await request(app).get(path)).status).toBe(status);
  });

  it('sends 100 Continue, then 200', async () => {
    const res = await rawRequest(app, 'GET /status/100 HTTP/1.1\r\nHost: test');
    // rawRequest reads the first head: the informational one.
    expect(res.status).toBe(100);
    const { all } = await appExchange(
      app,
      'GET /status/100 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n',
    );
    expect(all).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  });

  it('sends 102 Processing, then 200', async () => {
    const { first, all } = await appExchange(
      app,
      'GET /status/102 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n',
    );
    expect(first).toBe('HTTP/1.1 102 Processing');
    expect(all).toMatch(/\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  });

  it.each([101, 103, 199])(
    'answers /status/%d with a final 200 (Node sends no such 1xx alone)',
    async (code) => {
      const res = await request(app).get(`/status/${code}`);
      expect(res.status).toBe(200);
    },
  );

  it('picks among weighted choices, by weight', async () => {
    // Weights 0.7, 0.2, 0.1: a draw below 0.7 of the total picks 200, up to 0.9 picks 429, above it 503.
    const draws: [number, number][] = [
      [0, 200],
      [0.69, 200],
      [0.71, 429],
      [0.89, 429],
      [0.91, 503],
      [0.999, 503],
    ];
    const random = jest.spyOn(Math, 'random');
    try {
      for (const [draw, expected] of draws) {
        random.mockReturnValue(draw);
        expect((await request(app).get('/status/200:0.7,429:0.2,503:0.1')).status).toBe(expected);
      }
      // A weight of 0 is never picked, whatever the draw; a weight defaults to 1.
      for (const draw of [0, 0.5, 0.999]) {
        random.mockReturnValue(draw);
        expect((await request(app).get('/status/200:0,429')).status).toBe(429);
      }
    } finally {
      random.mockRestore();
    }
  });

  it('puts its redirects below the mount path, as go-httpbin its prefix', async () => {
    const res = await request(reflectApp({}, '/test-prefix')).get('/test-prefix/status/302');
    expect(res.headers.location).toBe('/test-prefix/redirect/1');
  });
});

describe("reflect(): go-httpbin's TestResponseHeaders", () => {
  const app = reflectApp();

  it('sets each parameter as a header, and echoes them as JSON', async () => {
    const res = await rawRequest(
      app,
      'GET /response-headers?Foo=foo&Bar=bar1&Bar=bar2 HTTP/1.1\r\nHost: test',
    );
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.body)).toEqual({
      Bar: ['bar1', 'bar2'],
      'Content-Type': ['application/json; charset=utf-8'],
      Foo: ['foo'],
    });
    const { all: wire } = await appExchange(
      app,
      'GET /response-headers?Foo=foo&Bar=bar1&Bar=bar2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
    );
    // One header line per value, names as Go writes them.
    expect(wire).toContain('\r\nBar: bar1\r\nBar: bar2\r\n');
    expect(wire).toContain('\r\nFoo: foo\r\n');
  });

  it('takes the Content-Type it is given', async () => {
    const res = await request(app).get('/response-headers?Content-Type=text/test');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/test');
  });

  const DANGEROUS = "<img/src/onerror=alert('xss')>";
  /** Go's html.EscapeString. */
  const escape = (text: string) =>
    text
      .replace(/&/g, '&amp;')
      .replace(/'/g, '&#39;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&#34;');

  it.each([
    ['application/json; charset=utf8', false],
    ['text/plain', false],
    ['application/octet-string', false],
    ['', false],
    ['application/xml', true],
    ['image/png', true],
    ['text/html; charset=utf8', true],
    ['text/html', true],
    ['not a type', true],
  ])('with Content-Type %j, escapes the echo: %s', async (type, escaped) => {
    // A name must be a header name here (see the next test): `x'&y` is one that HTML-escaping changes.
    const params = new URLSearchParams({ xss: DANGEROUS, "x'&y": 'xss' });
    if (type) params.set('Content-Type', type);
    const res = await request(app).get(`/response-headers?${params}`).buffer(true).parse(asText);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type || 'application/json; charset=utf-8');
    const echoed = JSON.parse(res.body as string) as Record<string, string[]>;
    const e = escaped ? escape : (text: string) => text;
    expect(echoed[e('xss')]).toEqual([e(DANGEROUS)]);
    expect(echoed[e("x'&y")]).toEqual(['xss']);
    expect(res.headers.xss).toBe(DANGEROUS); // the header itself is never escaped
    if (escaped) expect(res.body).not.toContain('<img');
  });

  it.each([
    ['text/plain;, text/html'],
    ['text/plain; , text/html'],
    ['text/plain, text/html'],
    ['application/json,text/html'],
    ['text/plain; charset=utf-8, text/html'],
    ['text/plain;x="a", text/html'],
  ])('escapes the echo for %j, which a browser reads as its last type', async (type) => {
    const params = new URLSearchParams({ 'Content-Type': type, x: '<script>alert(1)</script>' });
    const res = await request(app).get(`/response-headers?${params}`).buffer(true).parse(asText);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).not.toContain('<script');
  });

  it('keeps a quoted comma inside one type: the echo of text/plain stays as it is', async () => {
    const params = new URLSearchParams({ 'Content-Type': 'text/plain; x="a, b"', x: '<b>' });
    const res = await request(app).get(`/response-headers?${params}`).buffer(true).parse(asText);
    expect(res.body).toContain('"<b>"');
  });

  it('sends nosniff, and escapes the echo when the query allows sniffing', async () => {
    const plain = await request(app).get('/response-headers?Content-Type=text/plain&x=%3Cb%3E');
    expect(plain.headers['x-content-type-options']).toBe('nosniff');
    const params = new URLSearchParams({
      'Content-Type': 'text/plain',
      'X-Content-Type-Options': 'none',
      x: '<b>',
    });
    const res = await request(app).get(`/response-headers?${params}`).buffer(true).parse(asText);
    expect(res.headers['x-content-type-options']).toBe('none');
    expect(res.body).not.toContain('<b>');
  });

  it.each([
    ['a CR/LF in a value', 'X-A=a%0d%0aSet-Cookie:%20injected=1'],
    ['a LF in a value', 'X-A=a%0aX-Injected:%201'],
    ['a NUL in a value', 'X-A=a%00b'],
    ['a CR/LF in a name', 'X-A%0d%0aX-Injected=1'],
    ["go-httpbin's HTML name (not a header name)", `${encodeURIComponent(DANGEROUS)}=xss`],
    ['a space in a name', 'X%20A=1'],
    ['a colon in a name', 'X-A:=1'],
    ['an empty name', '=1'],
    ['Content-Length', 'Content-Length=0'],
    ['Transfer-Encoding', 'transfer-encoding=chunked'],
    ['two types', 'Content-Type=text/plain&content-type=text/html'],
  ])('refuses %s with 400, setting nothing', async (_what, query) => {
    const res = await request(app).get(`/response-headers?${query}`);
    expect(res.status).toBe(400);
    expect(res.headers['x-injected']).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-a']).toBeUndefined();
  });

  it('takes a tab in a value, and writes other characters as UTF-8', async () => {
    const res = await rawRequest(
      app,
      'GET /response-headers?X-A=a%09b&X-B=%C3%A9%E2%9C%93 HTTP/1.1\r\nHost: t',
    );
    expect(res.status).toBe(200);
    expect(res.headers['x-a']).toBe('a\tb');
    expect(Buffer.from(res.headers['x-b']!, 'latin1').toString('utf8')).toBe('é✓');
    expect(JSON.parse(Buffer.from(res.body, 'latin1').toString('utf8'))['X-B']).toEqual(['é✓']);
  });

  it('can set cookies and a Location, as a PoC needs', async () => {
    const res = await request(app).get(
      '/response-headers?Set-Cookie=a%3D1%3B%20SameSite%3DNone%3B%20Secure&Location=/x',
    );
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toEqual(['a=1; SameSite=None; Secure']);
    expect(res.headers.location).toBe('/x');
  });
});

describe("reflect(): go-httpbin's method, identity, cookie, auth, redirect and bytes endpoints", () => {
  const app = reflectApp();
  const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;

  it.each(methods)(
    '/%s answers its own method as /anything does, any other with 405 and Allow',
    async (verb) => {
      const res = await request(app)
        [verb](`/${verb}?a=1&a=2`)
        .type('form')
        .send(verb === 'get' ? '' : 'x=y');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ args: { a: ['1', '2'] }, method: verb.toUpperCase() });
      if (verb === 'get')
        expect(Object.keys(res.body).sort()).toEqual([
          'args',
          'headers',
          'method',
          'origin',
          'url',
        ]);
      else expect(res.body).toMatchObject({ form: { x: ['y'] }, data: 'x=y', json: null });
      const other = methods.find((m) => m !== verb)!;
      const wrong = await request(app)[other](`/${verb}`);
      expect(wrong.status).toBe(405);
      expect(wrong.headers.allow).toContain(verb.toUpperCase());
    },
  );

  it('/ip gives the client address (as JSON, or as text with ?format=text); /uuid a fresh v4 UUID', async () => {
    const ip = await request(app).get('/ip').set('X-Forwarded-For', '192.0.2.9, 10.0.0.1');
    expect(ip.body).toEqual({ origin: '192.0.2.9' });
    const text = await request(app).get('/ip?format=text').set('X-Forwarded-For', '192.0.2.9');
    expect(text.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(text.text).toBe('192.0.2.9\n');
    const [a, b] = await Promise.all([request(app).get('/uuid'), request(app).get('/uuid')]);
    expect(a.body.uuid).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(a.body.uuid).not.toBe(b.body.uuid);
  });

  it('/cookies shows the request’s cookies; /cookies/set sets them (HttpOnly, Path=/) and redirects to /cookies', async () => {
    expect((await request(app).get('/cookies')).body).toEqual({ cookies: {} });
    expect((await request(app).get('/cookies').set('Cookie', 'k1=v1; k2=v2')).body).toEqual({
      cookies: { k1: 'v1', k2: 'v2' },
    });
    // As Go reads them: values as sent (no percent-decoding), quotes taken off, the last of a name winning.
    const raw = await request(app)
      .get('/cookies')
      .set('Cookie', 'a=%20x; q="quoted"; d=1; d=2; __proto__=p');
    expect(raw.body.cookies).toMatchObject({ a: '%20x', q: 'quoted', d: '2' });
    expect(raw.text).toContain('"__proto__": "p"');
    const set = await request(app).get('/cookies/set?k1=v1&k2=v2&attr%5BSecure%5D=true');
    expect(set.status).toBe(302);
    expect(set.headers.location).toBe('/cookies');
    expect(set.headers['set-cookie']).toEqual([
      'k1=v1; Path=/; HttpOnly',
      'k2=v2; Path=/; HttpOnly',
    ]);
    // Mounted at a prefix, the redirect stays below it.
    const mounted = await request(reflectApp({}, '/httpbin')).get('/httpbin/cookies/set?k=v');
    expect(mounted.headers.location).toBe('/httpbin/cookies');
    // A value is percent-encoded where a cookie cannot carry it, never a header split…
    const split = await request(app).get('/cookies/set?k=a%0d%0aSet-Cookie:%20x');
    expect(split.headers['set-cookie']).toEqual(['k=a%0D%0ASet-Cookie%3A%20x; Path=/; HttpOnly']);
    // …and a name a cookie cannot have is a 400.
    const bad = await request(app).get('/cookies/set?a%3Bb=x');
    expect(bad.status).toBe(400);
    expect(bad.headers['set-cookie']).toBeUndefined();
  });

  it('/basic-auth/{user}/{password}: 200 for those credentials, else 401 with a Basic challenge', async () => {
    const ok = await request(app).get('/basic-auth/user/pass').auth('user', 'pass');
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ authenticated: true, authorized: true, user: 'user' });
    for (const [name, req] of [
      ['wrong password', request(app).get('/basic-auth/user/pass').auth('user', 'nope')],
      ['none', request(app).get('/basic-auth/user/pass')],
      ['garbage', request(app).get('/basic-auth/user/pass').set('Authorization', 'Basic !!!')],
      // Go's base64 is strict: padding required, no spaces around it.
      [
        'unpadded',
        request(app).get('/basic-auth/user/pas').set('Authorization', 'Basic dXNlcjpwYXM'),
      ],
      [
        'two spaces',
        request(app).get('/basic-auth/user/pass').set('Authorization', 'Basic  dXNlcjpwYXNz'),
      ],
    ] as const) {
      const res = await req;
      expect({ name, status: res.status }).toEqual({ name, status: 401 });
      expect(res.headers['www-authenticate']).toBe('Basic realm="Fake Realm"');
      expect(res.body.authenticated).toBe(false);
    }
    expect((await request(app).get('/basic-auth/user')).status).toBe(404);
  });

  it('/bearer: 200 with the token for Authorization: Bearer TOKEN, else 401 with a Bearer challenge', async () => {
    const ok = await request(app).get('/bearer').set('Authorization', 'Bearer abc.def');
    expect(ok.body).toEqual({ authenticated: true, token: 'abc.def' });
    for (const header of [undefined, 'Bearer', 'Basic abc', 'Bearer a b', 'bearer abc']) {
      const req = request(app).get('/bearer');
      const res = await (header === undefined ? req : req.set('Authorization', header));
      expect({ header, status: res.status }).toEqual({ header, status: 401 });
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('/redirect/{n} chains relative 302s to /get; absolute ones with ?absolute=true or /absolute-redirect', async () => {
    const hops: string[] = [];
    let target = '/redirect/3';
    for (;;) {
      const res = await request(app).get(target).set('Host', 'h.test');
      if (res.status !== 302) {
        expect(res.status).toBe(200);
        break;
      }
      hops.push(res.headers.location!);
      target = res.headers.location!.replace('http://h.test', '');
    }
    expect(hops).toEqual(['/relative-redirect/2', '/relative-redirect/1', '/get']);
    expect(
      (await request(app).get('/redirect/2?absolute=TRUE').set('Host', 'h.test')).headers.location,
    ).toBe('http://h.test/absolute-redirect/1');
    expect(
      (await request(app).get('/absolute-redirect/1').set('Host', 'h.test')).headers.location,
    ).toBe('http://h.test/get');
    for (const bad of ['/redirect/0', '/redirect/-1', '/redirect/x', '/relative-redirect/1e3']) {
      expect({ bad, status: (await request(app).get(bad)).status }).toEqual({ bad, status: 400 });
    }
  });

  it('/bytes/{n}: n bytes, the same ones for a seed; 0 is empty; past maxBodySize or not a number, 400', async () => {
    const res = await request(app).get('/bytes/100').buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect((res.body as Buffer).length).toBe(100);
    const seeded = async () =>
      (await request(app).get('/bytes/50?seed=1234').buffer(true).parse(binary)).body as Buffer;
    expect((await seeded()).equals(await seeded())).toBe(true);
    const none = await request(app).get('/bytes/0');
    expect(none.headers['content-length']).toBe('0');
    expect(none.headers['content-type']).toBeUndefined();
    // An empty seed is none: random bytes.
    expect((await request(app).get('/bytes/5?seed=')).status).toBe(200);
    for (const bad of [
      '/bytes/1025',
      '/bytes/-1',
      '/bytes/x',
      '/bytes/10?seed=abc',
      '/bytes/10?seed=9223372036854775808',
    ]) {
      expect({ bad, status: (await request(app).get(bad)).status }).toEqual({ bad, status: 400 });
    }
  });
});

describe("reflect(): go-httpbin's TestRedirectTo", () => {
  const app = reflectApp({ allowedHosts: ALLOWED });

  it.each([
    ['/redirect-to?url=http://www.example.com/', 'http://www.example.com/', 302],
    ['/redirect-to?url=http://www.example.com/&status_code=307', 'http://www.example.com/', 307],
    ['/redirect-to?url=/get', '/get', 302],
    ['/redirect-to?url=/get&status_code=307', '/get', 307],
  ])('%s → %s (%d)', async (path, location, status) => {
    const res = await request(app).get(path);
    expect(res.status).toBe(status);
    expect(res.headers.location).toBe(location);
  });

  it.each([
    ['/redirect-to', 400],
    ['/redirect-to?status_code=302', 400],
    ['/redirect-to?url=/get&status_code=201', 400],
    ['/redirect-to?url=/get&status_code=418', 400],
    ['/redirect-to?url=/get&status_code=/get', 400],
    ['/redirect-to?url=http%3A%2F%2Ffoo%25%25bar&status_code=418', 400],
    ['/redirect-to?url=foo', 403],
  ])('%s → %d', async (path, status) => {
    expect((await request(app).get(path)).status).toBe(status);
  });

  it.each([
    ['/redirect-to?url=http://httpbingo.org', 302],
    ['/redirect-to?url=https://httpbingo.org', 302],
    ['/redirect-to?url=https://example.org/foo/bar', 302],
    ['/redirect-to?url=https://foo.example.org/foo/bar', 403],
    ['/redirect-to?url=https://evil.com', 403],
    ['/redirect-to?url=//evil.com', 403],
    ['/redirect-to?url=http%3A%2F%2Fevil.com', 403],
    ['/redirect-to?url=http%253A%252F%252Fevil.com', 403],
    [
      '/redirect-to?url=http%253A//%255B%253A%253Affff%253A169.254.169.254%255D/latest/meta-data/',
      403,
    ],
    [
      '/redirect-to?url=http%253A%252F%252F169.254.169.254%252Flatest%252Fmeta-data%252Fiam%252Fsecurity-credentials%252F',
      403,
    ],
    [
      '/redirect-to?url=http%253A%252F%252Flocalhost%253A8080%252Factuator%252Fenv&status_code=302',
      403,
    ],
  ])('allowlist: %s → %d', async (path, status) => {
    const res = await request(app).get(path);
    expect(res.status).toBe(status);
    if (status >= 400) {
      expect(res.headers['content-type']).toBe('text/plain');
      expect(res.text).toBe(FORBIDDEN);
    }
  });

  it.each([
    ['a backslash path', '/%5Cevil.com'],
    ['backslashes', '%5C%5Cevil.com'],
    ['a tab inside the scheme-relative slashes', '/%09/evil.com'],
    ['user info', 'http://example.org@evil.com/'],
    ['user info with a backslash', 'http://evil.com%5C@example.org/'],
    ['a scheme without slashes', 'http:evil.com'],
    ['upper case', 'HTTPS://EVIL.COM/'],
    ['a trailing dot', 'https://evil.com./'],
    ['an IP address', 'http://169.254.169.254/latest/'],
    ['an IPv6 address', 'http://[::ffff:169.254.169.254]/'],
    ['javascript:', 'javascript:alert(document.domain)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['an allowed name as a subdomain of another', 'https://example.org.evil.com/'],
  ])('allowlist: refuses %s with 403, or 400, never a redirect', async (_what, url) => {
    const res = await request(app).get(
      `/redirect-to?url=${encodeURIComponent(url).replace(/%25/g, '%')}`,
    );
    expect([400, 403]).toContain(res.status);
    expect(res.headers.location).toBeUndefined();
  });

  it("allowlist: names are matched by goto()'s rule (case-insensitive, *.example.com)", async () => {
    const wildcard = reflectApp({ allowedHosts: ['*.example.com', 'Example.ORG'] });
    expect((await request(wildcard).get('/redirect-to?url=https://a.b.example.com/x')).status).toBe(
      302,
    );
    expect((await request(wildcard).get('/redirect-to?url=https://example.com/x')).status).toBe(
      403,
    );
    expect((await request(wildcard).get('/redirect-to?url=HTTPS://EXAMPLE.ORG/x')).status).toBe(
      302,
    );
    const seen: string[] = [];
    const predicate = reflectApp({
      allowedHosts: (host) => {
        seen.push(host);
        return host === 'good.test';
      },
    });
    expect((await request(predicate).get('/redirect-to?url=https://GOOD.test/')).status).toBe(302);
    const refused = await request(predicate).get('/redirect-to?url=https://bad.test/');
    expect(refused.status).toBe(403);
    expect(refused.text).toBe('Forbidden redirect URL. Please be careful with this link.');
    expect(seen).toEqual(['good.test', 'bad.test']);
  });

  it('without an allowlist: any absolute URL or path from the root; 403 for other relative URLs', async () => {
    const open = reflectApp();
    expect(
      (await request(open).get('/redirect-to?url=https://evil.example/x')).headers.location,
    ).toBe('https://evil.example/x');
    expect((await request(open).get('/redirect-to?url=//evil.example/x')).status).toBe(302);
    const bare = await request(open).get('/redirect-to?url=//evil.example');
    expect(bare.status).toBe(403); // as go-httpbin: no path from the root
    expect(bare.text).toBe('');
    expect((await request(open).get('/redirect-to?url=foo')).status).toBe(403);
    expect((await request(open).get('/redirect-to?url=?x=1')).status).toBe(403);
  });

  it.each([
    ['a CR/LF', '/x%0d%0aSet-Cookie:%20a=1'],
    ['a NUL', '/x%00'],
    ['malformed percent-encoding', '/x%zz'],
    ['a colon in the first segment', 'a:b/c'.replace('a', '1')],
  ])('refuses a URL with %s with 400', async (_what, url) => {
    const res = await request(open()).get(`/redirect-to?url=${url}`);
    expect(res.status).toBe(400);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
  function open() {
    return reflectApp();
  }

  it('percent-encodes spaces and non-ASCII characters in the Location', async () => {
    const res = await request(reflectApp()).get('/redirect-to?url=/a%20b/%C3%A9');
    expect(res.headers.location).toBe('/a%20b/%C3%A9');
  });

  it('keeps a path from the root below the mount path, as go-httpbin its prefix', async () => {
    const res = await request(reflectApp({}, '/p')).get('/p/redirect-to?url=/get');
    expect(res.headers.location).toBe('/p/get');
  });
});

describe("reflect(): go-httpbin's TestDelay", () => {
  const app = reflectApp();

  it.each([
    ['/delay/0ms', 0],
    ['/delay/100ms', 100],
    ['/delay/0', 0],
    ['/delay/0.1', 100],
  ])('%s waits %d ms and says so in Server-Timing', async (path, ms) => {
    const start = process.hrtime.bigint();
    const res = await request(app).get(path);
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    expect(res.status).toBe(200);
    expect(res.body.method).toBe('GET');
    expect(elapsed).toBeGreaterThanOrEqual(ms - 1);
    expect(res.headers['server-timing']).toBe(
      `initial_delay;dur=${ms.toFixed(2)};desc="initial delay"`,
    );
  });

  it.each([
    ['/delay', 404],
    ['/delay/foo', 400],
    ['/delay/1/foo', 404],
    ['/delay/1.5s', 400],
    ['/delay/-1ms', 400],
    ['/delay/1.5', 400],
    ['/delay/-1', 400],
    ['/delay/-3.14', 400],
    ['/delay/1e400', 400],
    ['/delay/1h', 400],
  ])('%s → %d', async (path, status) => {
    expect((await request(app).get(path)).status).toBe(status);
  });

  it('stops waiting when the client goes away', async () => {
    const setSpy = jest.spyOn(global, 'setTimeout');
    const clearSpy = jest.spyOn(global, 'clearTimeout');
    try {
      const events: string[] = [];
      let arrived!: () => void;
      const arrival = new Promise<void>((resolve) => (arrived = resolve));
      let closed!: () => void;
      // Resolved in the first 'close' listener: reflect()'s own has run by the time the test goes on.
      const closing = new Promise<void>((resolve) => (closed = resolve));
      const watched = express();
      watched.use((_req, res, next) => {
        res.on('finish', () => events.push('answered'));
        res.on('close', () => {
          events.push('closed');
          closed();
        });
        next();
        arrived();
      });
      watched.use(mixnmatch.reflect());
      const { server, port } = await listen(watched);
      const socket = connect(port, '127.0.0.1', () =>
        socket.write('GET /delay/10 HTTP/1.1\r\nHost: t\r\n\r\n'),
      );
      await arrival;
      const wait = setSpy.mock.results[setSpy.mock.calls.findIndex((call) => call[1] === 10_000)];
      expect(wait).toBeDefined();
      socket.destroy();
      await closing;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // The 10 s wait was cleared when the connection closed, and nothing was answered.
      expect(clearSpy).toHaveBeenCalledWith(wait!.value);
      expect(events).toEqual(['closed']);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
  });

  it('takes at most 10 seconds as maxDelay', () => {
    expect(() => mixnmatch.reflect({ maxDelay: 11 })).toThrow(
      /"maxDelay" must be a number of seconds from 0 to 10/,
    );
    expect(() => mixnmatch.reflect({ maxDelay: -1 })).toThrow(/maxDelay/);
    expect(() => mixnmatch.reflect({ maxDelay: '5' as never })).toThrow(/maxDelay/);
    expect(() => mixnmatch.reflect({ maxBodySize: 0 })).toThrow(/maxBodySize/);
    expect(() => mixnmatch.reflect({ allowedHosts: ['http://x/'] })).toThrow(
      /reflect\(\).*not a host name/,
    );
    expect(() => mixnmatch.reflect({ alowedHosts: [] } as never)).toThrow(
      /unknown option "alowedHosts"/,
    );
  });
});

describe('reflect(): hostile and odd requests', () => {
  const app = reflectApp();

  it('refuses a Trailer header (Node would refuse to send it) with 400, and keeps serving', async () => {
    for (const query of ['Trailer=x', 'trailer=', 'TRAILER=Expires']) {
      const res = await request(app).get(`/response-headers?${query}`);
      expect(res.status).toBe(400);
      expect(res.headers.trailer).toBeUndefined();
    }
    expect((await request(app).head('/response-headers?Trailer=x')).status).toBe(400);
    expect((await request(app).get('/headers')).status).toBe(200);
  });

  it('refuses a multipart body that ends inside a file part with 400, and keeps serving', async () => {
    const res = await send(
      app,
      'POST',
      '/anything',
      '--XX\r\nContent-Disposition: form-data; name="up"; filename="a.txt"\r\n\r\nfi',
      'multipart/form-data; boundary=XX',
    );
    expect(res.status).toBe(400);
    expect((await request(app).get('/headers')).status).toBe(200);
  });

  it('leaves out a multipart part without a name, as Go does', async () => {
    const body =
      '--XX\r\nContent-Disposition: form-data\r\n\r\nv\r\n' +
      '--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XX--\r\n';
    const res = await send(app, 'POST', '/anything', body, 'multipart/form-data; boundary=XX');
    expect(res.body.form).toEqual({ a: ['1'] });
  });

  it('takes any method Node reads, as go-httpbin does', async () => {
    const res = await request(app).propfind('/anything/dav').set('Depth', '1');
    expect(res.status).toBe(200);
    expect(res.body.method).toBe('PROPFIND');
    expect((await request(app).options('/anything')).headers.allow).toMatch(
      /^GET, HEAD, POST, PUT, PATCH, DELETE, .*PROPFIND.*OPTIONS$/,
    );
  });

  it('shows header values as the UTF-8 the client sent', async () => {
    const latin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
    const res = await rawRequest(app, `GET /headers HTTP/1.1\r\nHost: t\r\nX-A: ${latin1('é✓')}`);
    expect(JSON.parse(Buffer.from(res.body, 'latin1').toString('utf8')).headers['X-A']).toEqual([
      'é✓',
    ]);
  });

  it('takes the first line of a repeated client-address header, as Go does', async () => {
    const res = await rawRequest(
      app,
      'GET /anything HTTP/1.1\r\nHost: t\r\nTrue-Client-IP: 192.0.2.1\r\nTrue-Client-IP: 192.0.2.2',
    );
    expect(JSON.parse(res.body).origin).toBe('192.0.2.1');
  });

  it.each([204, 304])('sends /status/%d without a body or Content-Length', async (code) => {
    const res = await rawRequest(app, `GET /status/${code} HTTP/1.1\r\nHost: t`);
    expect(res.status).toBe(code);
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBeUndefined();
  });

  it('sends no informational answer to an HTTP/1.0 client', async () => {
    const res = await rawRequest(app, 'GET /status/100 HTTP/1.0\r\nHost: t');
    expect(res.status).toBe(200);
  });

  it('takes an empty Content-Type as none: JSON', async () => {
    const res = await request(app).get('/response-headers?Content-Type=&a=1');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({ 'Content-Type': ['application/json; charset=utf-8'], a: ['1'] });
  });

  it('refuses JSON with a number out of range with 400, as Go does', async () => {
    expect((await send(app, 'POST', '/anything', '[1e400]', 'application/json')).status).toBe(400);
  });
});

describe('reflect() in an app', () => {
  it('shows what an app parser made of a JSON body: any JSON value, and none when empty', async () => {
    const app = express();
    app.use(express.json({ strict: false }));
    app.use(mixnmatch.reflect());
    const text = await request(app).post('/anything').type('json').send('"abc"');
    expect(text.body).toMatchObject({ json: 'abc', data: '"abc"' });
    const empty = await request(app).post('/anything').type('json');
    expect(empty.body).toMatchObject({ json: null, data: '' });
  });

  it('uses a body an app parser already read', async () => {
    const app = express();
    app.use(express.json(), express.urlencoded());
    app.use(mixnmatch.reflect());
    const json = await request(app)
      .post('/anything')
      .send({ a: [1, 2] });
    expect(json.body).toMatchObject({ json: { a: [1, 2] }, data: '{"a":[1,2]}' });
    const form = await request(app).post('/anything').type('form').send('a=1&a=2&b=x');
    expect(form.body).toMatchObject({ form: { a: ['1', '2'], b: ['x'] }, data: 'a=1&a=2&b=x' });
  });

  describe('with deeply nested JSON', () => {
    const nested = (depth: number, leaf = '1') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);

    it.each([
      ['2,400 deep', nested(2_400)],
      ['96,000 deep', '['.repeat(96_000) + ']'.repeat(96_000)],
      [
        '40 deep around 20,000 numbers',
        '['.repeat(40) + Array(20_000).fill(1).join(',') + ']'.repeat(40),
      ],
    ])('answers %s with at most a small multiple of the body', async (_name, body) => {
      const app = reflectApp({ maxBodySize: 1024 * 1024 });
      const [deep, plain] = await Promise.all([
        request(app).post('/anything').type('json').send(body).buffer(true).parse(asText),
        request(app).get('/headers'),
      ]);
      expect(plain.status).toBe(200);
      expect([200, 400]).toContain(deep.status);
      expect((deep.body as string).length).toBeLessThanOrEqual(8 * body.length + 16_384);
      if (deep.status === 200) {
        expect(JSON.parse(deep.body as string).json).toEqual(JSON.parse(body));
      }
    });

    it.each([
      ['a form of 100,000 empty values', 'form', 'a&'.repeat(100_000), ''],
      ['a query of 7,000 empty values', 'text', '', `?${'a&'.repeat(7_000)}`],
    ])(
      'answers %s with at most a small multiple of the request',
      async (_name, type, body, query) => {
        const res = await request(reflectApp({ maxBodySize: 1024 * 1024 }))
          .post(`/anything${query}`)
          .type(type)
          .send(body)
          .buffer(true)
          .parse(asText);
        expect(res.status).toBe(200);
        expect((res.body as string).length).toBeLessThanOrEqual(
          8 * (body.length + query.length) + 16_384,
        );
      },
    );

    it('indents an ordinary body as go-httpbin does', async () => {
      const res = await request(reflectApp())
        .post('/anything')
        .send({ a: { b: [1, 2] } })
        .buffer(true)
        .parse(asText);
      expect(res.body).toContain(
        '"json": {\n    "a": {\n      "b": [\n        1,\n        2\n      ]\n    }\n  }\n}\n',
      );
    });
  });

  it('refuses JSON nested deeper than the stack with 400', async () => {
    const depth = 200_000;
    const body = '['.repeat(depth) + ']'.repeat(depth);
    const res = await request(reflectApp({ maxBodySize: 1024 * 1024 }))
      .post('/anything')
      .type('json')
      .send(body);
    expect(res.status).toBe(400);
  });

  it('is a Router a user can add routes to, and answers OPTIONS', async () => {
    const router = mixnmatch.reflect();
    router.get('/extra', (_req, res) => {
      res.send('extra');
    });
    const app = express().use(router);
    expect((await request(app).get('/extra')).text).toBe('extra');
    const options = await request(app).options('/anything');
    expect(options.status).toBe(200);
    expect(options.headers.allow).toMatch(/^GET, HEAD, POST, PUT, PATCH, DELETE, .*, OPTIONS$/);
  });

  it('is off in createApp() unless asked for, and there with reflect: true', async () => {
    expect((await request(mixnmatch.createApp({ root: __dirname })).get('/anything')).status).toBe(
      404,
    );
    const on = mixnmatch.createApp({ root: __dirname, reflect: true });
    expect((await request(on).get('/headers')).body.headers.Host).toBeDefined();
  });

  it('with cors() before it, shows a browser-like cross-site request and lets the page read it', async () => {
    const app = express();
    app.use(mixnmatch.cors({ allowAllOrigins: true, allowCredentials: true }));
    app.use(mixnmatch.reflect());
    const res = await request(app)
      .get('/headers')
      .set('Origin', 'http://localhost:8000')
      .set('Cookie', 'SESSION=x');
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:8000');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.body.headers.Cookie).toEqual(['SESSION=x']);
  });
});

describe("reflect()'s one list of tools", () => {
  it('has a section in docs/reflect.md for every tool it serves, and serves each', async () => {
    const docs = readFileSync(path.join(__dirname, '..', 'docs', 'reflect.md'), 'utf8');
    const headings = docs.split('\n').filter((line) => line.startsWith('### '));
    const app = express().use(mixnmatch.reflect());
    for (const tool of REFLECT_TOOLS) {
      expect(headings.some((heading) => heading.includes(`\`/${tool.name}`))).toBe(true);
      const target = tool.usage.replace('CODES', '204').replace('SECONDS', '0').split('?')[0]!;
      expect((await request(app).get(target)).status).not.toBe(404);
    }
  });
});
