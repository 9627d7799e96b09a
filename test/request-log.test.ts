import express from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { rawRequest } from './helpers';

/** A log stream that remembers its entries and tells waiters when enough have come. */
function collector() {
  const lines: string[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const stream = {
    write: (chunk: string) => {
      lines.push(chunk);
      for (const waiter of waiters.filter((w) => lines.length >= w.n)) waiter.resolve();
    },
  };
  return { lines, stream, waiters };
}

/** Resolves once `n` entries were written (they are written when the response closes). */
function entries(log: ReturnType<typeof collector>, n: number): Promise<string[]> {
  if (log.lines.length >= n) return Promise.resolve(log.lines);
  return new Promise((resolve) => log.waiters.push({ n, resolve: () => resolve(log.lines) }));
}

describe('requestLog()', () => {
  it('writes one line per request: time, address, request line, status, duration', async () => {
    const log = collector();
    const { stream } = log;
    const server = express().use(mixnmatch.requestLog({ stream }), (_req, res) => {
      res.status(201).send('ok');
    });
    await request(server).get('/a/../b?q=1');
    const [line] = await entries(log, 1);
    expect(line).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z (::ffff:)?127\.0\.0\.1 "GET \/a\/\.\.\/b\?q=1 HTTP\/1\.1" 201 [\d.]+ms\n$/,
    );
  });

  it('writes JSON lines', async () => {
    const log = collector();
    const { stream } = log;
    const server = express().use(mixnmatch.requestLog({ stream, format: 'json' }), (_req, res) => {
      res.sendStatus(404);
    });
    await request(server).post('/x');
    const entry = JSON.parse((await entries(log, 1))[0]!);
    expect(entry).toMatchObject({ method: 'POST', url: '/x', status: 404, httpVersion: '1.1' });
    expect(typeof entry.ms).toBe('number');
  });

  describe('bodies option', () => {
    it('logs the whole request, without taking the body from the handlers', async () => {
      const log = collector();
      const { stream } = log;
      const server = express().use(
        mixnmatch.requestLog({ stream, bodies: true }),
        express.text(),
        (req, res) => {
          res.send(`handler got ${String(req.body)}`);
        },
      );
      const res = await request(server)
        .post('/steal')
        .set('Content-Type', 'text/plain')
        .set('X-Custom', 'yes')
        .send('secret=42');
      expect(res.text).toBe('handler got secret=42');
      const [entry] = await entries(log, 1);
      expect(entry).toContain('----- Request Start ----->\n\nPOST /steal HTTP/1.1\n');
      expect(entry).toContain('X-Custom: yes\n');
      expect(entry).toContain('\n\nsecret=42\n\n<----- Request End -----\n');
    });

    it('logs a body no handler read', async () => {
      const log = collector();
      const { stream } = log;
      const server = express().use(
        mixnmatch.requestLog({ stream, bodies: true, format: 'json' }),
        (_req, res) => {
          res.sendStatus(404);
        },
      );
      await request(server).post('/nobody-reads-this').type('form').send('exfiltrated=data');
      const entry = JSON.parse((await entries(log, 1))[0]!);
      expect(entry.body).toBe('exfiltrated=data');
      expect(entry.headers).toContainEqual(['Content-Type', 'application/x-www-form-urlencoded']);
    });

    it('truncates at bodyLimit and counts the rest', async () => {
      const log = collector();
      const { stream } = log;
      const server = express().use(
        mixnmatch.requestLog({ stream, bodies: true, bodyLimit: 4, format: 'json' }),
        express.text(),
        (_req, res) => {
          res.send('ok');
        },
      );
      await request(server).post('/').set('Content-Type', 'text/plain').send('0123456789');
      const entry = JSON.parse((await entries(log, 1))[0]!);
      expect(entry).toMatchObject({ body: '0123', truncated: 6 });
    });

    it('gives a body that is not UTF-8 as base64 in JSON', async () => {
      const log = collector();
      const { stream } = log;
      const server = express().use(
        mixnmatch.requestLog({ stream, bodies: true, format: 'json' }),
        express.raw(),
        (_req, res) => {
          res.send('ok');
        },
      );
      await request(server)
        .post('/')
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.from([0xff, 0x00, 0xfe]));
      const entry = JSON.parse((await entries(log, 1))[0]!);
      expect(entry.bodyBase64).toBe(Buffer.from([0xff, 0x00, 0xfe]).toString('base64'));
    });
  });

  describe('when a request carries control characters', () => {
    /** Every control character: C0, DEL, C1, and the Unicode line separators. */
    const CONTROLS = [
      ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)),
      '\x7f',
      ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(0x80 + i)),
      '\u2028',
      '\u2029',
      // Invisible format characters: bidi overrides and isolates, zero-width, BOM.
      '\u202e',
      '\u2066',
      '\u200b',
      '\ufeff',
    ];
    const RAW_CONTROL =
      // eslint-disable-next-line no-control-regex -- looking for control characters is the point
      /[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
    const forged =
      'innocent\n<----- Request End -----\n2026-01-01T00:00:00.000Z 10.0.0.1 "GET /admin HTTP/1.1" 200 1.0ms\n\x1b[2J\x07\r';

    function server(format: 'text' | 'json') {
      const log = collector();
      const app = express().use(
        mixnmatch.requestLog({ stream: log.stream, bodies: true, format }),
        (_req, res) => {
          res.sendStatus(204);
        },
      );
      return { app, log };
    }

    it.each(['text', 'json'] as const)(
      'escapes them in a %s body: one request, one entry, nothing a terminal acts on',
      async (format) => {
        const { app, log } = server(format);
        await request(app)
          .post('/x')
          .set('Content-Type', 'text/plain')
          .send(forged + CONTROLS.join(''));
        const [entry] = await entries(log, 1);
        expect(log.lines).toHaveLength(1);
        expect(entry).not.toMatch(RAW_CONTROL);
        if (format === 'json') {
          expect(entry!.split('\n')).toEqual([expect.any(String), '']);
          expect(JSON.parse(entry!).body).toBe(forged + CONTROLS.join(''));
        } else {
          // The framing is the only multi-line part: the body is one line, and
          // the one line that starts like an entry is the first.
          const lines = entry!.split('\n');
          expect(lines.filter((l) => /^\d{4}-\d\d-\d\dT/.test(l))).toEqual([lines[0]]);
          expect(lines.slice(-4)).toEqual([
            expect.stringMatching(/^innocent/),
            '',
            '<----- Request End -----',
            '',
          ]);
          expect(entry).toContain(
            'innocent\\n<----- Request End -----\\n2026-01-01T00:00:00.000Z 10.0.0.1 "GET /admin HTTP/1.1" 200 1.0ms\\n\\x1b[2J\\x07\\r',
          );
          expect(entry).toContain('\\x00\\x01');
          expect(entry).toContain('\\x7f\\u0080\\u0081');
          expect(entry).toContain('\\u009f\\u2028\\u2029\\u202e\\u2066\\u200b\\ufeff');
        }
      },
    );

    it.each(['text', 'json'] as const)(
      'escapes them in %s headers and the target, and bytes that are not UTF-8',
      async (format) => {
        const { app, log } = server(format);
        await rawRequest(
          app,
          'POST /p%85q?a=%9b HTTP/1.1\r\nHost: x\r\nX-Evil: a\x9b31mred\x85\xff\r\nContent-Type: application/octet-stream\r\nContent-Length: 4',
          '\xff\x1b\n\x00',
        );
        const [entry] = await entries(log, 1);
        expect(entry).not.toMatch(RAW_CONTROL);
        expect(log.lines).toHaveLength(1);
        if (format === 'text') {
          expect(entry).toContain('X-Evil: a\\u009b31mred\\u0085\u00ff');
          expect(entry).toContain('\\xff\\x1b\\n\\x00');
          expect(entry!.split('\n')[0]).toContain('"POST /p%85q?a=%9b HTTP/1.1"');
        } else {
          const parsed = JSON.parse(entry!);
          expect(parsed.url).toBe('/p%85q?a=%9b');
          expect(parsed.headers).toContainEqual(['X-Evil', 'a\x9b31mred\x85\xff']);
          expect(parsed.bodyBase64).toBe(
            Buffer.from('\xff\x1b\n\x00', 'latin1').toString('base64'),
          );
        }
      },
    );

    it('escapes a backslash and a quote in the summary line, so escapes read back', async () => {
      const log = collector();
      const app = express().use(mixnmatch.requestLog({ stream: log.stream }), (_req, res) => {
        res.sendStatus(204);
      });
      await rawRequest(app, 'GET /a\\n"b HTTP/1.1\r\nHost: x');
      const [entry] = await entries(log, 1);
      expect(entry).toContain('"GET /a\\\\n\\"b HTTP/1.1"');
    });
  });

  it('loses the entry, never the request or the process, when its stream throws', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    let written = 0;
    const wrote: (() => void)[] = [];
    const stream = {
      write: () => {
        written++;
        for (const resolve of wrote.splice(0)) resolve();
        throw new Error('disk full');
      },
    };
    try {
      const server = express().use(mixnmatch.requestLog({ stream }), (_req, res) => {
        res.send('ok');
      });
      for (let i = 0; i < 3; i++) {
        const logged = new Promise<void>((resolve) => wrote.push(resolve));
        expect((await request(server).get('/')).text).toBe('ok');
        await logged;
      }
      expect(written).toBe(3);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn).toHaveBeenCalledWith(
        'requestLog(): the stream refused an entry: disk full',
        expect.objectContaining({ code: 'MIXNMATCH_LOG_WRITE' }),
      );
    } finally {
      warn.mockRestore();
    }
  });

  it('checks its options', () => {
    expect(() => mixnmatch.requestLog({ format: 'xml' as 'json' })).toThrow(
      /"format" must be "text" or "json"/,
    );
    expect(() => mixnmatch.requestLog({ stream: {} as never })).toThrow(
      /"stream" must have a write\(\) method/,
    );
  });
});
