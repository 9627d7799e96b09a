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
});
