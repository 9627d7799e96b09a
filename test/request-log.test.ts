import express from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';

function collector() {
  const lines: string[] = [];
  return { lines, stream: { write: (chunk: string) => lines.push(chunk) } };
}

/** Waits until `n` entries were written (they are written when the response closes). */
async function entries(lines: string[], n: number): Promise<string[]> {
  for (let i = 0; i < 100 && lines.length < n; i++)
    await new Promise((resolve) => setTimeout(resolve, 5));
  return lines;
}

describe('requestLog()', () => {
  it('writes one line per request: time, address, request line, status, duration', async () => {
    const { lines, stream } = collector();
    const server = express().use(mixnmatch.requestLog({ stream }), (_req, res) => {
      res.status(201).send('ok');
    });
    await request(server).get('/a/../b?q=1');
    const [line] = await entries(lines, 1);
    expect(line).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z (::ffff:)?127\.0\.0\.1 "GET \/a\/\.\.\/b\?q=1 HTTP\/1\.1" 201 [\d.]+ms\n$/,
    );
  });

  it('writes JSON lines', async () => {
    const { lines, stream } = collector();
    const server = express().use(mixnmatch.requestLog({ stream, format: 'json' }), (_req, res) => {
      res.sendStatus(404);
    });
    await request(server).post('/x');
    const entry = JSON.parse((await entries(lines, 1))[0]!);
    expect(entry).toMatchObject({ method: 'POST', url: '/x', status: 404, httpVersion: '1.1' });
    expect(typeof entry.ms).toBe('number');
  });

  describe('bodies option', () => {
    it('logs the whole request, without taking the body from the handlers', async () => {
      const { lines, stream } = collector();
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
      const [entry] = await entries(lines, 1);
      expect(entry).toContain('----- Request Start ----->\n\nPOST /steal HTTP/1.1\n');
      expect(entry).toContain('X-Custom: yes\n');
      expect(entry).toContain('\n\nsecret=42\n\n<----- Request End -----\n');
    });

    it('logs a body no handler read', async () => {
      const { lines, stream } = collector();
      const server = express().use(
        mixnmatch.requestLog({ stream, bodies: true, format: 'json' }),
        (_req, res) => {
          res.sendStatus(404);
        },
      );
      await request(server).post('/nobody-reads-this').type('form').send('exfiltrated=data');
      const entry = JSON.parse((await entries(lines, 1))[0]!);
      expect(entry.body).toBe('exfiltrated=data');
      expect(entry.headers).toContainEqual(['Content-Type', 'application/x-www-form-urlencoded']);
    });

    it('truncates at bodyLimit and counts the rest', async () => {
      const { lines, stream } = collector();
      const server = express().use(
        mixnmatch.requestLog({ stream, bodies: true, bodyLimit: 4, format: 'json' }),
        express.text(),
        (_req, res) => {
          res.send('ok');
        },
      );
      await request(server).post('/').set('Content-Type', 'text/plain').send('0123456789');
      const entry = JSON.parse((await entries(lines, 1))[0]!);
      expect(entry).toMatchObject({ body: '0123', truncated: 6 });
    });

    it('gives a body that is not UTF-8 as base64 in JSON', async () => {
      const { lines, stream } = collector();
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
      const entry = JSON.parse((await entries(lines, 1))[0]!);
      expect(entry.bodyBase64).toBe(Buffer.from([0xff, 0x00, 0xfe]).toString('base64'));
    });
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
