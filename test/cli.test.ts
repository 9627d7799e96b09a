import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { get as httpsGet } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import path from 'node:path';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { exchange } from './helpers';
import { BIN, commandFixture, serverUrl, start, untilFile, untilOutput } from './helpers/process';
import { testCertificate } from './helpers/tls';

// Each test starts a real process; leave room for a slow machine.
jest.setTimeout(30_000);

const url = serverUrl;

describe('the mixnmatch command', () => {
  const { tree, launch } = commandFixture();

  it('starts, prints its URL and features, serves a file, and stops cleanly on SIGTERM', async () => {
    const child = launch('-p', '0', '-r', tree.root, '-S', 'secret', '-H', 'X-Foo: Foobar');
    const base = await url(child);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(child.stdout()).toContain(`serving ${tree.root}`);
    expect(child.stdout()).toContain('secrets secret');
    const res = await fetch(`${base}hello.txt`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello from the root');
    expect(res.headers.get('x-foo')).toBe('Foobar');
    // The original's misc expectations: no-cache for everything but scripts.
    expect(res.headers.get('cache-control')).toBe('no-cache, no-store, must-revalidate');
    expect((await fetch(`${base}foo.js`)).headers.get('cache-control')).toBeNull();
    expect((await fetch(`${base}secret/x.txt`)).status).toBe(401);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });

  it('lets a request in flight finish before it exits', async () => {
    const child = launch('-p', '0', '-r', tree.root);
    const base = new URL(await url(child));
    const body = 'data=' + 'a'.repeat(1000);
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: base.hostname,
          port: base.port,
          path: '/echo',
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            'Content-Length': body.length,
            // The server says 100 Continue once it has the request: then it is in flight.
            Expect: '100-continue',
          },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.on('error', reject);
      req.on('continue', () => {
        // Half the body now; the rest once the server has said it is stopping.
        req.write(body.slice(0, 500));
        child.process.kill('SIGTERM');
        untilOutput(child.process, child.stdout, /SIGTERM, stopping/).then(
          () => req.end(body.slice(500)),
          reject,
        );
      });
      req.flushHeaders();
    });
    const res = await response;
    expect(res.status).toBe(200);
    expect(res.text).toBe('a'.repeat(1000));
    expect(await child.exited).toBe(0);
  });

  it('does not wait for connections with no request in flight (keep-alive, or opened ahead by a browser)', async () => {
    const child = launch('-p', '0', '-r', tree.root);
    const base = new URL(await url(child));
    const open = (head?: string) =>
      new Promise<{ closed: Promise<string> }>((resolve) => {
        const socket = connect(Number(base.port), base.hostname, () => {
          let text = '';
          socket.on('data', (chunk: Buffer) => {
            text += chunk.toString('latin1');
            if (text.includes('hello from the root')) resolve({ closed });
          });
          const closed = new Promise<string>((done) => socket.on('close', () => done(text)));
          if (head === undefined) resolve({ closed });
          else socket.write(head);
        });
      });
    const unused = await open();
    const keptAlive = await open('GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n');
    child.process.kill('SIGTERM');
    expect(await unused.closed).toBe('');
    expect(await keptAlive.closed).toContain('200 OK');
    expect(await child.exited).toBe(0);
    expect(child.stderr()).not.toContain('still in flight');
  });

  it("answers the original's cache expectations with --status-codes mixnmatchttp", async () => {
    const child = launch('-p', '0', '-r', tree.root, '--status-codes', 'mixnmatchttp');
    const base = await url(child);
    expect((await fetch(`${base}cache/never-saved`)).status).toBe(500);
    const form = {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    };
    expect(
      (await fetch(`${base}cache/page`, { ...form, body: 'data=foo&type=text/foo' })).status,
    ).toBe(204);
    expect((await fetch(`${base}cache/page`, { ...form, body: 'data=bar' })).status).toBe(500);
    const page = await fetch(`${base}cache/page`);
    expect(page.headers.get('content-type')).toBe('text/plain');
    expect(await page.text()).toBe('foo');
  });

  it('takes the largest --max-cache-size it advertises, with no error about an option never given', async () => {
    const child = launch('-p', '0', '-r', tree.root, '--max-cache-size', '9007199254740991');
    const base = await url(child);
    expect(child.stdout()).toContain('up to 9007199254740991 bytes');
    expect((await fetch(`${base}hello.txt`)).status).toBe(200);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });

  it('sends SameSite=None; Secure cookies with --same-site none, and says what is cross-site', async () => {
    const child = launch('-p', '0', '-r', tree.root, '--same-site', 'none');
    const base = await url(child);
    expect(child.stdout()).toContain('SameSite=None; Secure (sent on cross-site requests');
    expect(child.stdout()).toContain('localhost and 127.0.0.1 are two sites');
    const login = await fetch(`${base}login`);
    expect(login.headers.get('set-cookie')).toMatch(/; Secure; SameSite=None$/);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });

  it("serves go-httpbin's tools with --reflect, readable cross-site with ?origin={ECHO}&creds=1", async () => {
    const child = launch('-p', '0', '-r', tree.root, '--reflect');
    const base = await url(child);
    expect(child.stdout()).toContain('reflect: /anything, /headers, /status/CODES');
    const res = await fetch(`${base}anything/x?origin=%7BECHO%7D&creds=1`, {
      method: 'POST',
      headers: { Origin: 'http://localhost:8000', 'Content-Type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:8000');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(await res.json()).toMatchObject({
      method: 'POST',
      data: 'hello',
      headers: { Origin: ['http://localhost:8000'] },
    });
    expect((await fetch(`${base}status/418`)).status).toBe(418);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });

  it('answers Expect: 100-continue with 100 only when a body is coming', async () => {
    const child = launch('-p', '0', '-r', tree.root, '--reflect');
    const base = new URL(await url(child));
    const port = Number(base.port);
    const { all: withoutBody } = await exchange(
      port,
      'GET /anything HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
    );
    expect(withoutBody).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const { all: withBody } = await exchange(
      port,
      'POST /anything HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
      'test body',
    );
    expect(withBody).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
    expect(withBody).toContain('"data": "test body"');
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });

  it('decides auth and the length limit before it asks for a body: no 100 for a refusal', async () => {
    const child = launch('-p', '0', '-r', tree.root, '-S', 'secret', '--reflect');
    const port = Number(new URL(await url(child)).port);
    // A protected path: the final 401 at once, and the body is never asked for.
    const { first: denied } = await exchange(
      port,
      'POST /secret/x HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 9\r\nExpect: 100-continue\r\n\r\n',
    );
    expect(denied).toBe('HTTP/1.1 401 Unauthorized');
    // A declared body past the cache's limit: 413 at the headers.
    const { first: tooLarge, all } = await exchange(
      port,
      'POST /cache/big HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 999999999999\r\nExpect: 100-continue\r\n\r\n',
    );
    expect(tooLarge).toBe('HTTP/1.1 413 Payload Too Large');
    expect(all).not.toContain('100 Continue');
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });

  it('answers a declared Content-Length past the limit at the headers and closes, without the body', async () => {
    const child = launch('-p', '0', '-r', tree.root, '--reflect');
    const port = Number(new URL(await url(child)).port);
    for (const target of ['/cache/big', '/echo', '/anything']) {
      // No body follows, and the connection is kept alive by default: the server must answer and close.
      const { first, all } = await exchange(
        port,
        `POST ${target} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 999999999999\r\n\r\n`,
      );
      expect({ target, first }).toEqual({ target, first: 'HTTP/1.1 413 Payload Too Large' });
      expect(all).toMatch(/\r\nConnection: close\r\n/i);
    }
    // Any answer given before the body came closes the connection: here a 405.
    const { first, all } = await exchange(
      port,
      'POST /login HTTP/1.1\r\nHost: t\r\nContent-Length: 999999999999\r\n\r\n',
    );
    expect(first).toBe('HTTP/1.1 405 Method Not Allowed');
    expect(all).toMatch(/\r\nConnection: close\r\n/i);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });

  it('serves on when its log cannot be written (--log /dev/full), and says so once', async () => {
    const child = launch('-p', '0', '-r', tree.root, '-l', '/dev/full');
    const base = await url(child);
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${base}hello.txt`);
      expect(res.status).toBe(200);
      await res.text();
    }
    await untilOutput(child.process, child.stderr, /cannot write the log/, 'stderr');
    const res = await fetch(`${base}hello.txt`);
    expect(await res.text()).toBe('hello from the root');
    expect(
      child.stderr().match(/cannot write the log \/dev\/full \(no space left \(ENOSPC\)\)/g),
    ).toHaveLength(1);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });

  describe('in a shell', () => {
    it('ends cleanly when the reader of its stdout goes away (mixnmatch | head -3)', async () => {
      const child = launch('-p', '0', '-r', tree.root, '-l', '-');
      const base = await url(child);
      child.process.stdout.destroy();
      // The next write (a log line) meets the closed pipe.
      await fetch(`${base}hello.txt`).catch(() => undefined);
      expect(await child.exited).toBe(0);
      expect(child.stderr()).not.toMatch(/Error|EPIPE|at /);
    });

    it('stops when the shell of the npm script that started it is stopped', async () => {
      // What `npm start` runs: a shell running the command, which npm stops with SIGTERM.
      const shell = spawn('sh', ['-c', `"${process.execPath}" "${BIN}" -p 0 -r "${tree.root}"`], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, npm_lifecycle_event: 'start' },
      });
      let stdout = '';
      shell.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const base = (await untilOutput(shell, () => stdout, /listening on (http\S+)/))[1]!;
      const ended = new Promise((resolve) => shell.stdout.once('end', resolve));
      shell.kill('SIGTERM');
      // The pipe ends once the server, which shares it, has exited too.
      await ended;
      expect(stdout).toContain('the npm script that started it ended, stopping');
      await expect(fetch(`${base}hello.txt`)).rejects.toThrow();
    });

    it('stops when the npm script that started it is gone before it has started', async () => {
      // The shell starts the command and ends at once: the command finds itself
      // orphaned however early it looks (its stdout, a pipe, ends once it has exited).
      const shell = spawn(
        'sh',
        ['-c', `"${process.execPath}" "${BIN}" -p 0 -r "${tree.root}" & echo "pid $!"`],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, npm_lifecycle_event: 'start' },
        },
      );
      let stdout = '';
      shell.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const ended = new Promise((resolve) => shell.stdout.once('end', resolve));
      let timer: NodeJS.Timeout | undefined;
      const orphan = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`still serving: ${stdout}`)), 15_000);
      });
      try {
        await Promise.race([ended, orphan]);
      } finally {
        clearTimeout(timer);
        // An orphan left serving (the failure) is stopped here, not left behind.
        const pid = /^pid (\d+)$/m.exec(stdout)?.[1];
        if (pid !== undefined) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            // Gone already, as it should be.
          }
        }
      }
      expect(stdout).toContain('the npm script that started it ended, stopping');
    });

    it('lists hash-password in --help', async () => {
      const child = launch('--help');
      expect(await child.exited).toBe(0);
      expect(child.stdout()).toMatch(/Commands:\n {2}hash-password/);
    });

    it('resolves relative paths in a config file against the file', async () => {
      const folder = path.join(tree.root, '..', `config-${process.pid}`);
      mkdirSync(path.join(folder, 'site'), { recursive: true });
      writeFileSync(path.join(folder, 'site', 'page.txt'), 'from the config folder');
      writeFileSync(path.join(folder, 'mixnmatch.json'), JSON.stringify({ root: 'site', port: 0 }));
      try {
        const child = launch('-c', path.join(folder, 'mixnmatch.json'));
        const base = await url(child);
        expect(await (await fetch(`${base}page.txt`)).text()).toBe('from the config folder');
        child.process.kill('SIGTERM');
        expect(await child.exited).toBe(0);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    });
  });

  it('rejects a bad flag with a reason, the usage and exit code 2', async () => {
    const child = launch('--no-such-flag');
    expect(await child.exited).toBe(2);
    expect(child.stderr()).toMatch(
      /^mixnmatch: unknown option '--no-such-flag'\nUsage: mixnmatch \[options\]/,
    );
  });

  it('names the log file, what is wrong with it and the hint, when it cannot be opened', async () => {
    const child = launch('-p', '0', '-r', tree.root, '-l', '/nonexistent-folder/x.log');
    expect(await child.exited).toBe(1);
    expect(child.stderr()).toBe(
      'mixnmatch: --log /nonexistent-folder/x.log: cannot write it: no such file or folder (ENOENT)\nRun mixnmatch --help for the options.\n',
    );
  });

  it('says so when the port is in use, with exit code 1', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const child = launch('-p', String(port), '-r', tree.root);
      expect(await child.exited).toBe(1);
      expect(child.stderr()).toBe(
        `mixnmatch: port ${port} on 127.0.0.1 is in use: choose another with -p PORT, or -p 0 for any free one\nRun mixnmatch --help for the options.\n`,
      );
    } finally {
      blocker.close();
    }
  });

  it('serves HTTPS with a generated certificate and prints its fingerprint', async () => {
    const child = launch('-p', '0', '-r', tree.root, '--tls');
    const base = await url(child);
    expect(base).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
    expect(child.stdout()).toMatch(
      /TLS certificate SHA-256 fingerprint: ([0-9A-F]{2}:){31}[0-9A-F]{2}/,
    );
    child.process.kill('SIGINT');
    expect(await child.exited).toBe(0);
  });

  it('serves HTTPS with a given certificate and key', async () => {
    const { key, cert } = await testCertificate();
    const certFile = path.join(tree.root, '..', `cert-${process.pid}.pem`);
    const keyFile = path.join(tree.root, '..', `key-${process.pid}.pem`);
    writeFileSync(certFile, cert);
    writeFileSync(keyFile, key);
    try {
      const child = launch(
        '-p',
        '0',
        '-r',
        tree.root,
        '--tls-cert',
        certFile,
        '--tls-key',
        keyFile,
      );
      const base = new URL(await url(child));
      expect(base.protocol).toBe('https:');
      const body = await new Promise<string>((resolve, reject) => {
        httpsGet({ host: base.hostname, port: base.port, path: '/hello.txt', ca: cert }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      expect(body).toBe('hello from the root');
      child.process.kill('SIGTERM');
      expect(await child.exited).toBe(0);
    } finally {
      rmSync(certFile, { force: true });
      rmSync(keyFile, { force: true });
    }
  });

  it('names the file and the fix when a TLS certificate or key is not what its flag says', async () => {
    const { key, cert } = await testCertificate();
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const files = {
      cert: cert,
      key: key,
      garbage: 'not a pem at all\n',
      otherKey: other.export({ type: 'pkcs8', format: 'pem' }) as string,
      encrypted: other.export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: 'secret',
      }) as string,
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'mixnmatch-tls-'));
    const file = (name: keyof typeof files) => {
      const at = path.join(dir, `${name}.pem`);
      writeFileSync(at, files[name]);
      return at;
    };
    try {
      for (const [certName, keyName, message] of [
        [
          'key',
          'cert',
          /^mixnmatch: --tls-cert \S+key\.pem holds a private key and --tls-key \S+cert\.pem a certificate: swap them\nRun mixnmatch --help for the options\.\n$/,
        ],
        [
          'garbage',
          'key',
          /^mixnmatch: --tls-cert \S+garbage\.pem is not a PEM certificate \(it should start with -----BEGIN CERTIFICATE-----\)\nRun mixnmatch --help for the options\.\n$/,
        ],
        ['cert', 'garbage', /^mixnmatch: --tls-key \S+garbage\.pem is not a PEM private key/],
        [
          'cert',
          'encrypted',
          /^mixnmatch: --tls-key \S+encrypted\.pem is encrypted: give it without a passphrase/,
        ],
        [
          'cert',
          'otherKey',
          /^mixnmatch: --tls-key \S+otherKey\.pem is not the key of the certificate in --tls-cert \S+cert\.pem/,
        ],
      ] as const) {
        const child = launch(
          '-p',
          '0',
          '-r',
          tree.root,
          '--tls-cert',
          file(certName),
          '--tls-key',
          file(keyName),
        );
        expect(await child.exited).toBe(1);
        expect(child.stderr()).toMatch(message);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints --version and --help with exit code 0', async () => {
    const version = launch('--version');
    expect(await version.exited).toBe(0);
    expect(version.stdout()).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = launch('--help');
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('--tls-cert <file>');
  });
});

describe('mixnmatch --pidfile, status and stop', () => {
  const { tree, launch } = commandFixture();
  const pidfile = () => path.join(tree.root, `.pid-${Math.random().toString(36).slice(2)}`);
  /** Runs `mixnmatch status|stop …` to its end. */
  const control = async (...args: string[]) => {
    const child = launch(...args);
    return { code: await child.exited, out: child.stdout(), err: child.stderr() };
  };

  it('writes the PID while serving, says it runs, and stops it and waits (exit 0), removing the file', async () => {
    const file = pidfile();
    const server = launch('-p', '0', '-r', tree.root, '--pidfile', file);
    await url(server);
    expect(readFileSync(file, 'utf8')).toBe(`${server.process.pid}\n`);
    expect(await control('status', '--pidfile', file)).toEqual({
      code: 0,
      out: `running (pid ${server.process.pid})\n`,
      err: '',
    });
    const stopped = await control('stop', '--pidfile', file);
    expect(stopped).toEqual({ code: 0, out: `stopped (pid ${server.process.pid})\n`, err: '' });
    expect(await server.exited).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(await control('status', '--pidfile', file)).toMatchObject({ code: 3 });
    // LSB: stopping what is not running succeeds.
    expect(await control('stop', '--pidfile', file)).toMatchObject({ code: 0 });
  });

  it('refuses to start on the pidfile of a running server, and leaves that file alone', async () => {
    const file = pidfile();
    const first = launch('-p', '0', '-r', tree.root, '--pidfile', file);
    await url(first);
    const second = launch('-p', '0', '-r', tree.root, '--pidfile', file);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toBe(
      `mixnmatch: ${file} names a running server (pid ${first.process.pid}): stop it first (mixnmatch stop --pidfile ${file})\n`,
    );
    expect(readFileSync(file, 'utf8')).toBe(`${first.process.pid}\n`);
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it('tells a stale pidfile (its process gone), and replaces it at start', async () => {
    const file = pidfile();
    // A PID that ran and is gone.
    const gone = launch('--version');
    await gone.exited;
    writeFileSync(file, `${gone.process.pid}\n`);
    expect(await control('status', '--pidfile', file)).toEqual({
      code: 1,
      out: `not running (${file} is stale: pid ${gone.process.pid} is gone)\n`,
      err: '',
    });
    const server = launch('-p', '0', '-r', tree.root, '--pidfile', file);
    await url(server);
    expect(server.stderr()).toContain(
      `mixnmatch: replaced the stale pidfile ${file} (pid ${gone.process.pid} is gone)`,
    );
    expect(readFileSync(file, 'utf8')).toBe(`${server.process.pid}\n`);
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('answers usage errors with exit 2', async () => {
    expect(await control('status')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--pidfile FILE is needed/),
    });
    expect(await control('stop', '--pidfile', 'x', '--timeout', '0')).toMatchObject({ code: 2 });
    expect(await control('status', '--bogus')).toMatchObject({ code: 2 });
  });
});

describe('mixnmatch --log FILE --error-log FILE and SIGHUP', () => {
  const { tree, launch } = commandFixture();

  it('writes errors and start and stop events to the error log, and reopens both logs on SIGHUP (logrotate)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mixnmatch-logs-'));
    const log = path.join(dir, 'access.log');
    const errors = path.join(dir, 'error.log');
    try {
      const server = launch('-p', '0', '-r', tree.root, '-l', log, '--error-log', errors);
      const base = await url(server);
      const started = await untilFile(
        errors,
        /^(\S+) mixnmatch \S+: listening on (\S+) \(pid (\d+)\)\n/,
      );
      expect(Number.isNaN(Date.parse(started[1]!))).toBe(false);
      expect(started[2]).toBe(base);
      expect(Number(started[3])).toBe(server.process.pid);
      expect((await fetch(`${base}hello.txt`)).status).toBe(200);
      await untilFile(log, /GET \/hello\.txt/);

      // logrotate moves the files away, then signals.
      renameSync(log, `${log}.1`);
      renameSync(errors, `${errors}.1`);
      server.process.kill('SIGHUP');
      await untilFile(errors, /^\S+ mixnmatch: SIGHUP: the logs are reopened\n/);
      expect((await fetch(`${base}hello.txt?after`)).status).toBe(200);
      await untilFile(log, /GET \/hello\.txt\?after/);
      expect(readFileSync(`${log}.1`, 'utf8')).not.toContain('after');
      expect(server.process.exitCode).toBeNull();

      server.process.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(readFileSync(errors, 'utf8')).toMatch(
        /\n\S+ mixnmatch: SIGTERM, stopping once requests in flight are done\n$/,
      );
      // Nothing of it went to stderr.
      expect(server.stderr()).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says in one line that the error log cannot be written, and exits 1', async () => {
    const server = launch(
      '-p',
      '0',
      '-r',
      tree.root,
      '--error-log',
      path.join(tree.root, 'no', 'such', 'dir', 'e.log'),
    );
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(
      /^mixnmatch: --error-log \S+: cannot write it: no such file or folder \(ENOENT\)\n$/,
    );
  });
});

describe('mixnmatch add-user, and the original users file format', () => {
  const { tree, launch } = commandFixture();
  /** Runs `mixnmatch add-user …` with `stdin`, to its end. */
  const addUser = async (stdin: string, ...args: string[]) => {
    const child = launch('add-user', ...args);
    child.process.stdin.end(stdin);
    return { code: await child.exited, out: child.stdout(), err: child.stderr() };
  };
  const login = (base: string, username: string, password: string) =>
    fetch(`${base}login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password }),
    });

  it("adds users to a file of the original's lines, which the server then takes", async () => {
    const file = path.join(tree.root, `.users-${process.pid}.txt`);
    writeFileSync(file, '# the original format\nalice:wonderland1:admin\n');
    const added = await addUser('bob-password\n', file, 'bob', '--roles', 'ops,viewer');
    expect(added).toMatchObject({ code: 0, out: '' });
    expect(added.err).toContain(`added "bob" to ${file}`);
    const random = await addUser('', file, 'carol', '--random');
    expect(random.code).toBe(0);
    const carolPassword = random.out.trim();
    expect(carolPassword).toMatch(/^[\w-]{24}$/);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).toBe('# the original format');
    expect(lines[2]).toMatch(/^bob:\$scrypt\$[^:]+:ops,viewer$/);
    expect(lines[3]).toMatch(/^carol:\$scrypt\$[^:]+$/);
    expect(readFileSync(file, 'utf8')).not.toContain('bob-password');

    const taken = await addUser('x', file, 'bob');
    expect(taken).toMatchObject({
      code: 1,
      err: `mixnmatch add-user: ${file} has a user "bob" already\n`,
    });

    const server = launch('-p', '0', '-r', tree.root, '-S', 'secret', '--users', file);
    const base = await url(server);
    expect(server.stderr()).toContain('holds 1 plain password');
    expect((await login(base, 'alice', 'wonderland1')).status).toBe(200);
    expect((await login(base, 'bob', 'bob-password')).status).toBe(200);
    expect((await login(base, 'carol', carolPassword)).status).toBe(200);
    expect((await login(base, 'carol', 'wrong')).status).toBe(401);
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('makes a JSON users file when there is none, and answers mistakes with exit 2', async () => {
    const file = path.join(tree.root, `.users-${process.pid}.json`);
    expect((await addUser('pw-for-dan\n', file, 'dan')).code).toBe(0);
    const users = JSON.parse(readFileSync(file, 'utf8')) as {
      username: string;
      passwordHash: string;
    }[];
    expect(users).toEqual([
      { username: 'dan', passwordHash: expect.stringMatching(/^\$scrypt\$/) },
    ]);
    expect((await addUser('', file, 'eve')).code).toBe(2);
    expect((await addUser('x', file, 'bad name')).code).toBe(2);
    expect((await addUser('x', file)).code).toBe(2);
    expect((await addUser('x', file, 'fay', '--roles', 'no spaces')).code).toBe(2);
  });
});

describe('mixnmatch --save-config, and a YAML config with $VARs', () => {
  const { tree } = commandFixture();

  it('saves the configuration as given, which a later run takes with the environment of its own', async () => {
    const saved = path.join(tree.root, `.saved-${process.pid}.yaml`);
    const base = path.join(tree.root, `.base-${process.pid}.yaml`);
    writeFileSync(base, 'secrets: [$MIXNMATCH_SECRET_PATH]\n');
    const first = start(
      ['-c', base, '-p', '0', '-r', tree.root, '--save-config', saved],
      undefined,
      {
        ...process.env,
        MIXNMATCH_SECRET_PATH: 'secret',
      },
    );
    await url(first);
    expect(first.stderr()).toContain(`mixnmatch: saved the configuration to ${saved}`);
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const text = readFileSync(saved, 'utf8');
    expect(text).toContain('$MIXNMATCH_SECRET_PATH');
    expect(text).toContain(`root: ${tree.root}`);
    expect(statSync(saved).mode & 0o777).toBe(0o600);

    const second = start(['-c', saved], undefined, {
      ...process.env,
      MIXNMATCH_SECRET_PATH: 'other',
    });
    const served = await url(second);
    expect((await fetch(`${served}secret/x.txt`)).status).toBe(200);
    expect(second.stdout()).toContain('secrets other');
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

describe('mixnmatch --templates DIR', () => {
  const { tree, launch } = commandFixture();

  it('serves the pages of a folder at /templates/NAME, filled from the query, new when edited', async () => {
    const pages = path.join(tree.root, 'poc-pages');
    mkdirSync(pages, { recursive: true });
    writeFileSync(path.join(pages, 'csrf.html'), '<form action="$ACTION"></form>');
    const server = launch('-p', '0', '-r', tree.root, '--templates', pages);
    const base = await url(server);
    let res = await fetch(`${base}templates/csrf?ACTION=https://victim.test/pay`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<form action="https://victim.test/pay"></form>');
    writeFileSync(path.join(pages, 'csrf.html'), '<form method="post" action="$ACTION"></form>');
    res = await fetch(`${base}templates/csrf?ACTION=x`);
    expect(await res.text()).toBe('<form method="post" action="x"></form>');
    expect((await fetch(`${base}templates/none`)).status).toBe(404);
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});

describe('a long poll when the command stops', () => {
  const { tree, launch } = commandFixture();

  it('answers a GET waiting with ?wait= at once (404), so the stop does not wait for it', async () => {
    const server = launch('-p', '0', '-r', tree.root);
    const base = await url(server);
    const waiting = fetch(`${base}cache/never?wait=60`);
    // Known to wait once a request after it was answered (one process, in order).
    expect((await fetch(`${base}hello.txt`)).status).toBe(200);
    server.process.kill('SIGTERM');
    expect((await waiting).status).toBe(404);
    expect(await server.exited).toBe(0);
    expect(server.stderr()).not.toContain('still in flight');
  });
});
