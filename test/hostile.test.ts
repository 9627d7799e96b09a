import fc from 'fast-check';
import path from 'node:path';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { HOSTILE_KINDS } from '../bench/hostile-paths';
import { rawRequest, tempTree } from './helpers';

/** Pieces of hostile paths: traversal, encodings, separators, odd characters. */
const piece = fc.constantFrom(
  '..',
  '.',
  '',
  '%2e%2e',
  '%2E.',
  '%2f',
  '%5c',
  '\\',
  '%00',
  '%',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%0d%0a',
  '%20',
  '+',
  '?',
  '#',
  ';',
  'goto',
  'cache',
  'echo',
  'login',
  'logout',
  'clear',
  'new',
  'secret',
  'SeCrEt',
  'outside.txt',
  'index.html',
  '.hidden',
  'http:',
  'javascript:alert(1)',
  '%F0%9F%98%80',
  'a'.repeat(300),
);
const hostilePath = fc
  .array(piece, { minLength: 1, maxLength: 10 })
  .map((pieces) => '/' + pieces.join('/'));
const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH');

describe('the whole stack under hostile input', () => {
  const tree = tempTree({
    'outside.txt': 'OUTSIDE-THE-ROOT',
    'root/index.html': 'home',
    'root/secret/s.txt': 'SECRET-FILE',
    'root/.hidden': 'DOTFILE',
  });
  afterAll(() => tree.remove());
  const app = mixnmatch.createApp({
    root: path.join(tree.root, 'root'),
    auth: { secrets: ['secret'] },
    errors: { log: false },
  });

  it('never answers 5xx, never leaks a file outside the root, a dotfile or a secret', async () => {
    await fc.assert(
      fc.asyncProperty(
        method,
        hostilePath,
        fc.option(fc.string({ maxLength: 40 })),
        async (verb, target, referer) => {
          let req = request(app)[verb.toLowerCase() as 'get'](target);
          if (referer !== null) req = req.set('Referer', referer.replace(/[^\x20-\x7e]/g, ''));
          if (verb === 'POST' || verb === 'PUT' || verb === 'PATCH')
            req = req.type('form').send('data=x');
          const res = await req;
          expect(res.status).toBeLessThan(500);
          const text = res.text ?? '';
          expect(text).not.toContain('OUTSIDE-THE-ROOT');
          expect(text).not.toContain('DOTFILE');
          expect(text).not.toContain('SECRET-FILE');
          expect(String(res.headers.location ?? '')).not.toMatch(/[\r\n]/);
        },
      ),
      { numRuns: 400 },
    );
  });

  it.each<string | [string, string]>([
    'OPTIONS * HTTP/1.1\r\nHost: x',
    'GET http://evil.test/../../outside.txt HTTP/1.1\r\nHost: x',
    'GET /goto/http://x/%0d%0aSet-Cookie:%20a=b HTTP/1.1\r\nHost: x',
    `GET /secret/s.txt HTTP/1.1\r\nHost: x\r\nCookie: SESSION=${'f'.repeat(64)}; SESSION=${'0'.repeat(64)}`,
    'GET /login?goto=%0d%0aX:y HTTP/1.1\r\nHost: x',
    [
      'POST /cache/x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8',
      '{"data":',
    ],
    [
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 3',
      'abc',
    ],
    'GET /?origin=%0d%0a HTTP/1.1\r\nHost: x',
  ])('answers %j with a 4xx or a success, never a 500 or a crash', async (sent) => {
    const [head, body] = Array.isArray(sent) ? sent : [sent, ''];
    const res = await rawRequest(app, head, body);
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(500);
    expect(res.body).not.toContain('SECRET-FILE');
    expect(res.body).not.toContain('OUTSIDE-THE-ROOT');
    expect(res.headers['set-cookie'] ?? '').not.toContain('a=b');
  });
});

describe('long runs of special path characters', () => {
  const tree = tempTree({ 'root/hello.txt': 'hello', 'root/secret/s.txt': 'SECRET-FILE' });
  afterAll(() => tree.remove());
  const app = mixnmatch.createApp({
    root: path.join(tree.root, 'root'),
    auth: { secrets: ['secret', '/topsecret'] },
    errors: { log: false },
  });
  /** Under Node's 16 KiB limit on a request head, with room for the rest of it. */
  const MAX = 15_000;

  /** A run of one special character (raw or percent-encoded), up to the longest path Node reads. */
  const run = fc
    .record({ unit: fc.constantFrom(...HOSTILE_KINDS.map((k) => k.unit)), count: fc.nat(3000) })
    .map(({ unit, count }) => unit.repeat(Math.min(count, Math.floor(MAX / 4 / unit.length))));
  const prefix = fc.constantFrom(
    '/secret/',
    '/topsecret',
    '/',
    '/goto/',
    '/cache/',
    '/x/../secret/',
  );
  const suffix = fc.constantFrom('', '/x', 'secret/s.txt', '/hello.txt', '.');

  it('answers each in a path with a 4xx or a success, and a protected one with 401 or 400', async () => {
    await fc.assert(
      fc.asyncProperty(
        prefix,
        fc.array(run, { minLength: 1, maxLength: 4 }),
        suffix,
        async (p, runs, s) => {
          const target = p + runs.join('') + s;
          const res = await rawRequest(app, `GET ${target} HTTP/1.1\r\nHost: x`);
          expect(res.status).toBeGreaterThanOrEqual(200);
          expect(res.status).toBeLessThan(500);
          expect(res.body).not.toContain('SECRET-FILE');
          if (p === '/secret/' || p === '/x/../secret/') expect([400, 401]).toContain(res.status);
        },
      ),
      { numRuns: 150 },
    );
  });

  it.each(HOSTILE_KINDS.map((k) => [k.label, k.unit] as const))(
    'a %s run of ~15 KiB after /secret/ is refused, never served',
    async (_label, unit) => {
      const target = `/secret/${unit.repeat(Math.floor(MAX / unit.length))}/s.txt`;
      const res = await rawRequest(app, `GET ${target} HTTP/1.1\r\nHost: x`);
      expect([400, 401]).toContain(res.status);
    },
  );
});
