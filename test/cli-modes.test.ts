// The command's modes (capture, tokens, credentials), apart from cli.test.ts so that the two run side by side.
import path from 'node:path';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { verifyPassword } from 'mixnmatch';
import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { exchange } from './helpers';
import { openStream } from './helpers/sse';
import { commandFixture, serverUrl } from './helpers/process';

// Each test starts a real process; leave room for a slow machine.
jest.setTimeout(30_000);

const url = serverUrl;

describe('the mixnmatch command: capture, token and credential modes', () => {
  const { tree, launch } = commandFixture();

  describe('capture', () => {
    it('keeps hits in --capture-file across a restart, and asks for --capture-token', async () => {
      const file = path.join(tree.root, '..', `hits-${process.pid}.jsonl`);
      const token = 'a-dashboard-token-long-enough';
      const args = [
        '-p',
        '0',
        '-r',
        tree.root,
        '--capture',
        '--capture-file',
        file,
        '--capture-token',
        token,
      ];
      try {
        const first = launch(...args);
        const base = await url(first);
        expect(first.stdout()).toContain(`_mixnmatch/?token=${token} (needs its token)`);
        const bin = (await (await fetch(`${base}bin/new`)).json()) as { id: string };
        const api = `${base}_mixnmatch/api/bins/${bin.id}`;
        const auth = { headers: { Authorization: `Bearer ${token}` } };
        expect((await fetch(`${api}/hits`)).status).toBe(401);
        // The hit is kept once its request is over: the feed says when.
        const feed = await openStream(`${api}/feed`, auth.headers);
        const hit = await fetch(`${base}bin/${bin.id}/kept`, { method: 'POST', body: 'stolen=1' });
        expect(hit.status).toBe(200);
        await feed.until(1);
        feed.close();
        first.process.kill('SIGTERM');
        expect(await first.exited).toBe(0);

        const second = launch(...args);
        const again = await url(second);
        const kept = (await (
          await fetch(`${again}_mixnmatch/api/bins/${bin.id}/hits`, auth)
        ).json()) as {
          hits: { label: string; body: { text: string } }[];
        };
        expect(kept.hits.map((h) => [h.label, h.body.text])).toEqual([['kept', 'stolen=1']]);
        expect((await fetch(`${again}bin/${bin.id}`)).status).toBe(200);
        second.process.kill('SIGTERM');
        expect(await second.exited).toBe(0);
      } finally {
        rmSync(file, { force: true });
      }
    });
  });

  describe('token mode', () => {
    it('never takes MIXNMATCH_JWT_SECRET from the environment as its key, and says where the key came from', async () => {
      const users = path.join(tree.root, '..', `env-users-${process.pid}.json`);
      writeFileSync(users, JSON.stringify([{ username: 'ann', password: 'annie-password' }]));
      const known = Buffer.alloc(32, 7);
      process.env.MIXNMATCH_JWT_SECRET = known.toString('base64');
      try {
        const child = launch('-p', '0', '-r', tree.root, '--users', users, '--jwt');
        const base = await url(child);
        expect(child.stdout()).toContain(
          'HS256 with a secret made at start: tokens die with the command',
        );
        const login = await fetch(`${base}login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username: 'ann', password: 'annie-password' }),
        });
        const { access_token } = (await login.json()) as { access_token: string };
        await expect(jwtVerify(access_token, known)).rejects.toThrow(/signature/);
        child.process.kill('SIGTERM');
        expect(await child.exited).toBe(0);
      } finally {
        delete process.env.MIXNMATCH_JWT_SECRET;
        rmSync(users, { force: true });
      }
    });

    it('signs with the key it is given, publishes its JWKS, and takes tokens a client signs with that key', async () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const keyFile = path.join(tree.root, '..', `jwt-${process.pid}.pem`);
      const users = path.join(tree.root, '..', `jwt-users-${process.pid}.json`);
      writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }));
      writeFileSync(
        users,
        JSON.stringify([{ username: 'ann', password: 'annie-password', roles: ['ops'] }]),
      );
      try {
        const child = launch(
          '-p',
          '0',
          '-r',
          tree.root,
          '-S',
          'secret',
          '--users',
          users,
          '--jwt-key',
          keyFile,
          '--jwt-access-ttl',
          '60',
        );
        const base = await url(child);
        expect(child.stdout()).toContain(
          `signed with ${keyFile}, public key at /.well-known/jwks.json`,
        );
        const login = await fetch(`${base}login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username: 'ann', password: 'annie-password' }),
        });
        const tokens = (await login.json()) as { access_token: string; expires_in: number };
        expect(tokens.expires_in).toBe(60);
        const jwks = createLocalJWKSet(
          (await (await fetch(`${base}.well-known/jwks.json`)).json()) as Parameters<
            typeof createLocalJWKSet
          >[0],
        );
        expect(
          (await jwtVerify(tokens.access_token, jwks, { algorithms: ['ES256'] })).payload.sub,
        ).toBe('ann');
        const own = await new SignJWT({ roles: [] })
          .setProtectedHeader({ alg: 'ES256' })
          .setSubject('someone')
          .setIssuedAt()
          .setExpirationTime('1m')
          .sign(privateKey);
        const res = await fetch(`${base}secret/x.txt`, {
          headers: { Authorization: `Bearer ${own}` },
        });
        expect(res.status).toBe(200);
        expect((await fetch(`${base}secret/x.txt`)).headers.get('www-authenticate')).toBe(
          'Bearer realm="mixnmatch"',
        );
        child.process.kill('SIGTERM');
        expect(await child.exited).toBe(0);
      } finally {
        rmSync(keyFile, { force: true });
        rmSync(users, { force: true });
      }
    });
  });

  describe('credential mode', () => {
    it('loads a users file, warns about its plain passwords, and logs users in', async () => {
      const users = path.join(tree.root, '..', `users-${process.pid}.json`);
      writeFileSync(
        users,
        JSON.stringify([{ username: 'alice', password: 'wonderland1', roles: ['admin'] }]),
      );
      try {
        const child = launch('-p', '0', '-r', tree.root, '-S', 'secret', '--users', users);
        const base = await url(child);
        expect(child.stderr()).toContain('holds 1 plain password, hashed at load');
        expect(child.stdout()).toContain('auth: 1 user, POST /login, /changepwd, /logout');
        expect((await fetch(`${base}login`)).status).toBe(401);
        const login = await fetch(`${base}login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username: 'alice', password: 'wonderland1' }),
        });
        expect(login.status).toBe(200);
        const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
        expect((await fetch(`${base}secret/x.txt`, { headers: { Cookie: cookie } })).status).toBe(
          200,
        );
      } finally {
        rmSync(users, { force: true });
      }
    });

    it('decides the rules of a config file on the canonical path, whatever the spelling', async () => {
      const folder = path.join(tree.root, '..', `rules-${process.pid}`);
      mkdirSync(path.join(folder, 'site', 'admin', 'public'), { recursive: true });
      writeFileSync(path.join(folder, 'site', 'admin', 'secret.txt'), 'ADMIN SECRET');
      writeFileSync(
        path.join(folder, 'users.json'),
        JSON.stringify([{ username: 'bob', password: 'builder123' }]),
      );
      writeFileSync(
        path.join(folder, 'mixnmatch.json'),
        JSON.stringify({
          root: 'site',
          port: 0,
          users: 'users.json',
          rules: [
            { pattern: '^/admin/public', public: true },
            { pattern: '^/admin/', roles: ['ops'] },
          ],
        }),
      );
      try {
        const child = launch('-c', path.join(folder, 'mixnmatch.json'));
        const port = new URL(await url(child)).port;
        for (const target of [
          '/admin/public/../secret.txt',
          '/ADMIN/secret.txt',
          '/admin/public%2f..%2fsecret.txt',
        ]) {
          // As `curl --path-as-is` sends it: no client resolves the dot segments first.
          const { all } = await exchange(
            Number(port),
            `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
          );
          expect({ target, status: all.slice(0, 12) }).toEqual({ target, status: 'HTTP/1.1 401' });
          expect(all).not.toContain('ADMIN SECRET');
        }
        child.process.kill('SIGTERM');
        expect(await child.exited).toBe(0);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    });

    it.each([
      ['ln=20,r=32,p=16', /4096 MiB here, at most 64 MiB/],
      ['ln=21,r=1,p=1', /cost must be a power of two from 2 to 2\^20/],
      ['ln=15,r=8,p=17', /parallelization must be an integer from 1 to 16/],
    ])(
      'refuses a users file hash with scrypt parameters %s at start, naming the user and --users',
      async (params, reason) => {
        const users = path.join(tree.root, '..', `users-costly-${process.pid}.json`);
        const hash = `$scrypt$${params}$${'A'.repeat(22)}$${'B'.repeat(43)}`;
        writeFileSync(users, JSON.stringify([{ username: 'mallory', passwordHash: hash }]));
        try {
          const child = launch('-p', '0', '-r', tree.root, '--users', users);
          expect(await child.exited).toBe(2);
          expect(child.stderr()).toMatch(
            new RegExp(
              `^mixnmatch: --users ${users.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: user "mallory": "passwordHash" has scrypt parameters`,
            ),
          );
          expect(child.stderr()).toMatch(reason);
        } finally {
          rmSync(users, { force: true });
        }
      },
    );

    it('refuses a users file auth() rejects, with exit code 2', async () => {
      const users = path.join(tree.root, '..', `users-bad-${process.pid}.json`);
      writeFileSync(users, JSON.stringify([{ username: 'alice' }]));
      try {
        const child = launch('-p', '0', '-r', tree.root, '--users', users);
        expect(await child.exited).toBe(2);
        expect(child.stderr()).toContain(
          'user "alice" needs exactly one of "password" and "passwordHash"',
        );
      } finally {
        rmSync(users, { force: true });
      }
    });

    it('hash-password prints a hash of the password on stdin', async () => {
      const child = launch('hash-password');
      child.process.stdin.end('wonderland1\n');
      expect(await child.exited).toBe(0);
      const hash = child.stdout().trim();
      expect(hash).toMatch(/^\$scrypt\$ln=15,r=8,p=1\$/);
      expect(await verifyPassword('wonderland1', hash)).toBe(true);
    });

    it('hash-password refuses a password given as an argument', async () => {
      const child = launch('hash-password', 'secret');
      expect(await child.exited).toBe(2);
      expect(child.stderr()).toContain("shell's history");
    });
  });
});
