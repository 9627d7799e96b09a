// Shared test helpers: header assertions and throwaway folders of files.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Stream } from 'node:stream';
import type { Express } from 'express';
import request, { type Response } from 'supertest';

/**
 * Asserts response headers: a string or RegExp must match, `null` means the
 * header must be absent. Names are case-insensitive.
 */
export function expectHeaders(
  res: Response,
  expected: Record<string, string | RegExp | null>,
): void {
  for (const [name, value] of Object.entries(expected)) {
    const actual = res.headers[name.toLowerCase()] as string | undefined;
    if (value === null) expect({ [name]: actual }).toEqual({ [name]: undefined });
    else if (value instanceof RegExp)
      expect({ [name]: actual }).toEqual({ [name]: expect.stringMatching(value) });
    else expect({ [name]: actual }).toEqual({ [name]: value });
  }
}

/** The headers `noCache()` sends. */
export const NO_CACHE_HEADERS = {
  'cache-control': 'no-cache, no-store, must-revalidate',
  pragma: 'no-cache',
  expires: '0',
} as const;

/** A temporary folder holding `files` (path → content); call `remove()` when done. */
export function tempTree(files: Record<string, string | Buffer>): { root: string; remove(): void } {
  const base = mkdtempSync(path.join(tmpdir(), 'mixnmatch-'));
  for (const [file, content] of Object.entries(files)) {
    const full = path.join(base, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return { root: base, remove: () => rmSync(base, { recursive: true, force: true }) };
}

/** A response read off the wire by {@link rawRequest}. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `head` (a request line and headers, without the blank line) and
 * `body` byte for byte (each character one byte, as latin1) to `app` on
 * 127.0.0.1, for requests supertest cannot
 * make: absolute-form targets, raw control characters, truncated bodies.
 */
export async function rawRequest(app: Express, head: string, body = ''): Promise<RawResponse> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const text = await new Promise<string>((resolve, reject) => {
      // write(), not end(): Node drops a response still being prepared for a half-closed socket.
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(Buffer.from(`${head}\r\nConnection: close\r\n\r\n${body}`, 'latin1')),
      );
      const chunks: Buffer[] = [];
      socket.on('data', (chunk) => chunks.push(chunk));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
      socket.on('error', reject);
    });
    const [top = '', content = ''] = text.split(/\r\n\r\n/, 2);
    const [statusLine = '', ...lines] = top.split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { status: Number(statusLine.split(' ')[1]), headers, body: content };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * One raw exchange with the server on `port` (127.0.0.1): writes `head`,
 * waits for the first response head (a 1xx, say), then writes `rest`;
 * resolves once the server closes with that first status line and
 * everything it sent, as Latin-1.
 */
export function exchange(
  port: number,
  head: string,
  rest = '',
): Promise<{ first: string; all: string }> {
  return new Promise((resolve, reject) => {
    let first: string | undefined;
    let all = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      all += chunk;
      if (first === undefined && all.includes('\r\n\r\n')) {
        first = all.slice(0, all.indexOf('\r\n'));
        socket.write(rest);
      }
    });
    socket.on('end', () => resolve({ first: first ?? '', all }));
    socket.on('error', reject);
  });
}

/**
 * Twenty parallel `POST /authtoken` with one refresh token against `app`
 * (token mode): exactly one is answered 200, and once the reuse is seen the
 * token that one got works no more.
 */
export async function raceRefresh(app: Express | string, refreshToken: string): Promise<void> {
  const answers = await Promise.all(
    Array.from({ length: 20 }, () =>
      request(app).post('/authtoken').send({ refresh_token: refreshToken }),
    ),
  );
  expect(answers.map((res) => res.status).sort()).toEqual([200, ...Array<number>(19).fill(401)]);
  const winner = answers.find((res) => res.status === 200)!;
  const won = (winner.body as { refresh_token: string }).refresh_token;
  expect((await request(app).post('/authtoken').send({ refresh_token: won })).status).toBe(401);
}

/** The fake clock's lead over the real one, shared by every suite in a test file. */
let clockOffset = 0;
let clockInstalled = false;

/**
 * A `passTime` for the contract suites of stores that read `Date.now()`:
 * moves the clock past a deadline at once instead of waiting for it. The
 * clock only moves forward, for the rest of the file (one clock per file,
 * whichever suites use it).
 */
export function fakeClock(): (deadline: number) => void {
  return (deadline) => {
    if (!clockInstalled) {
      const realNow = Date.now.bind(Date);
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() + clockOffset);
      clockInstalled = true;
    }
    clockOffset = Math.max(clockOffset, deadline + 1 - (Date.now() - clockOffset));
  };
}

/** Collects a binary response body as a Buffer: supertest's `.buffer(true).parse(binary)`. */
export function binary(res: Stream, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}
