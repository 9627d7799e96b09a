import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { createQuickStartApp } from '../examples/quick-start';
import { expectHeaders, NO_CACHE_HEADERS } from './helpers';

describe("the original's Quick start, rebuilt (examples/quick-start.ts)", () => {
  const app = createQuickStartApp();

  it('/debug/sub/..//foo/../bar/./baz calls debug with sub "sub" and the raw arguments', async () => {
    const res = await request(app).get('/debug/sub/..//foo/../bar/./baz');
    expect(res.status).toBe(200);
    expectHeaders(res, { 'content-type': 'text/plain', 'x-foo': 'Foobar', ...NO_CACHE_HEADERS });
    expect(res.text).toBe('You called endpoint /debug/sub..//foo/../bar/./baz');
  });

  it('/debug/foo/../bar canonicalises to /debug/bar: debug with args "bar"', async () => {
    const res = await request(app).get('/debug/foo/../bar');
    expect(res.status).toBe(200);
    expect(res.text).toBe('You called endpoint /debug/bar');
  });

  it('/debug/../bar is not an endpoint: the static fallback answers 404', async () => {
    const res = await request(app).get('/debug/../bar');
    expect(res.status).toBe(404);
    expectHeaders(res, {
      'content-type': 'text/html; charset=utf-8',
      'x-foo': 'Foobar',
      ...NO_CACHE_HEADERS,
    });
    expect(res.text).toContain('Error code: 404');
  });

  it('POST /default → 405: default takes only GET', async () => {
    const res = await request(app).post('/default');
    expect(res.status).toBe(405);
    expectHeaders(res, { allow: 'GET, HEAD, OPTIONS', 'x-foo': 'Foobar' });
  });

  it('/debug/../default calls default: an empty 200', async () => {
    const res = await request(app).get('/debug/../default');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expectHeaders(res, { 'content-length': '0', 'x-foo': 'Foobar' });
  });

  it('/debug/foo/bar → 404: debug takes exactly one argument', async () => {
    const res = await request(app).get('/debug/foo/bar');
    expect(res.status).toBe(404);
    expect(res.text).toContain('Error code explanation: 404 - Extra arguments: bar.');
  });

  it('/debug → 404: the argument is missing', async () => {
    const res = await request(app).get('/debug');
    expect(res.status).toBe(404);
    expect(res.text).toContain('Error code explanation: 404 - Missing required argument.');
  });

  it('/refreshme renders a page that refreshes every 30 seconds', async () => {
    const res = await request(app).get('/refreshme');
    expect(res.status).toBe(200);
    expectHeaders(res, { 'content-type': 'text/html', 'x-foo': 'Foobar' });
    expect(res.text).toContain('<meta http-equiv="refresh" content="30">');
    expect(res.text).toContain('<title>Example</title>');
    expect(res.text).toContain('<h1>Example page, will refresh every 30s.</h1>');
    expect(res.text).not.toContain('$');
  });

  it('/refreshme/5 renders a page that refreshes every 5 seconds', async () => {
    const res = await request(app).get('/refreshme/5');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<meta http-equiv="refresh" content="5">');
    expect(res.text).toContain('will refresh every 5s.');
  });

  it('/refreshme/<script> is refused rather than rendered', async () => {
    const res = await request(app).get('/refreshme/%3Cscript%3E');
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('<script>');
  });

  it('/forbidden is denied with 403 "Access denied"', async () => {
    const res = await request(app).get('/forbidden/');
    expect(res.status).toBe(403);
    expectHeaders(res, { 'x-foo': 'Foobar', ...NO_CACHE_HEADERS });
    expect(res.text).toContain('Error code explanation: 403 - Access denied.');
  });

  it('scripts may be cached; everything else is sent no-cache', async () => {
    const js = await request(app).get('/hello.js');
    expect(js.status).toBe(200);
    expectHeaders(js, { 'cache-control': null, pragma: null, expires: null, 'x-foo': 'Foobar' });
    const html = await request(app).get('/');
    expect(html.status).toBe(200);
    expectHeaders(html, NO_CACHE_HEADERS);
  });

  it('run as a script, says so and exits 1 when its port is taken, and listens on a free one', async () => {
    const run = (port: number) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          [
            '-r',
            'ts-node/register/transpile-only',
            path.join(__dirname, '../examples/quick-start.ts'),
          ],
          { env: { ...process.env, PORT: String(port) } },
          (err, stdout, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
        // Listening, it serves until stopped: stop it once it says so.
        child.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('listening on')) child.kill('SIGTERM');
        });
      });
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as { port: number };
      const busy = await run(port);
      expect(busy.code).toBe(1);
      expect(busy.stdout).not.toMatch(/listening/);
      expect(busy.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
      expect(busy.stderr).toContain('PORT=0');
    } finally {
      taken.close();
    }
    const free = await run(0);
    expect(free.stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:[1-9]\d*\//);
  });
});
