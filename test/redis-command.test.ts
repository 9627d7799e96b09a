// The command with --redis and --workers against a real redis-server: shared state, restarts, outages.
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { untilFile, untilOutput, type Child } from './helpers/process';
import { get, launch, post, sessionOf, url } from './helpers/workers';
import { connectStores } from '../src/cli/redis';
import { freePort, heldProxy, startRedis, type TestRedis } from './helpers/redis';
import { raceRefresh } from './helpers';
import { openStream } from './helpers/sse';

jest.setTimeout(60_000);

/** The processes whose parent is `pid` (Linux: from /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('mixnmatch --workers 2 --redis URL', () => {
  let redis: TestRedis;
  let dir: string;
  let users: string;
  const commands: Child[] = [];
  /** The command on two workers, sharing the test's Redis, loading `usersFile`. */
  const startWith = (usersFile: string, ...extra: string[]) => {
    const command = launch(
      '--workers',
      '2',
      '--redis',
      redis.url,
      '--redis-prefix',
      prefix,
      '-p',
      '0',
      '-r',
      dir,
      '-S',
      'secret',
      '--users',
      usersFile,
      '--register',
      ...extra,
    );
    commands.push(command);
    return command;
  };
  const start = (...extra: string[]) => startWith(users, ...extra);
  let prefix: string;

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(path.join(tmpdir(), 'mixnmatch-workers-'));
    writeFileSync(path.join(dir, 'public.txt'), 'public');
    users = path.join(dir, '.users.json');
    writeFileSync(users, JSON.stringify([{ username: 'ann', password: 'annie-password' }]));
  });
  beforeEach(() => {
    prefix = redis.prefix();
  });
  afterEach(async () => {
    for (const command of commands.splice(0)) {
      if (command.process.exitCode === null) {
        command.process.kill('SIGTERM');
        await command.exited;
      }
    }
  });
  afterAll(async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shares sessions, pages, registered users and the lockout between workers, and keeps them over a restart', async () => {
    const first = start();
    const base = await url(first);
    expect(first.stdout()).toContain('with 2 workers');

    const login = await post(base, '/login', 'username=ann&password=annie-password');
    expect(login.status).toBe(200);
    const cookie = sessionOf(login);
    // Many connections: the cluster gives them to both workers; each knows the session.
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () => get(base, '/secret/', { cookie }).then((r) => r.status)),
    );
    expect(statuses.every((s) => s !== 401)).toBe(true);
    expect((await get(base, '/secret/')).status).toBe(401);

    expect((await post(base, '/cache/shared', 'data=from%20a%20worker')).status).toBe(204);
    for (let i = 0; i < 6; i++) {
      expect(await (await get(base, '/cache/shared')).text()).toBe('from a worker');
      expect((await post(base, '/cache/shared', 'data=again')).status).toBe(409);
    }

    const registered = await post(base, '/register', 'username=bea&password=bea-password1');
    expect(registered.status).toBe(201);
    for (let i = 0; i < 4; i++) {
      expect((await post(base, '/login', 'username=bea&password=bea-password1')).status).toBe(200);
    }

    // A password change survives a restart: the users file is loaded without undoing it.
    const changed = await post(
      base,
      '/changepwd',
      'username=bea&password=bea-password1&new_password=bea-password2',
    );
    expect(changed.status).toBe(200);

    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain('stopping 2 workers');

    const second = start();
    const again = await url(second);
    expect((await get(again, '/secret/', { cookie })).status).not.toBe(401);
    expect(await (await get(again, '/cache/shared')).text()).toBe('from a worker');
    expect((await post(again, '/login', 'username=bea&password=bea-password2')).status).toBe(200);
  });

  it('counts 30 parallel wrong passwords on both workers as one lockout, which outlives a restart', async () => {
    const first = start();
    const base = await url(first);
    // 30 parallel wrong passwords, spread over both workers: at most 5 are checked.
    const guesses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post(base, '/login', `username=ann&password=wrong-${i}`),
      ),
    );
    const counts = { 401: 0, 429: 0 } as Record<number, number>;
    for (const guess of guesses) counts[guess.status] = (counts[guess.status] ?? 0) + 1;
    expect(counts[401]).toBe(5);
    expect(counts[429]).toBe(25);

    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const second = start();
    const again = await url(second);
    expect((await post(again, '/login', 'username=ann&password=annie-password')).status).toBe(429);
  });

  it('takes the users file as the operator’s word: a registered name it adds later is replaced, a user it drops is removed', async () => {
    const file = path.join(dir, `.users-${prefix.replace(/\W/g, '')}.json`);
    const write = (entries: object[]) => writeFileSync(file, JSON.stringify(entries));
    // Each start loads the file as it is then.
    const run = async () => {
      const next = startWith(file);
      return { command: next, base: await url(next) };
    };
    write([{ username: 'ann', password: 'annie-password' }]);
    const first = await run();
    const registered = await post(first.base, '/register', 'username=zed&password=zed-registrant');
    expect(registered.status).toBe(201);
    const zedCookie = sessionOf(registered);
    first.command.process.kill('SIGTERM');
    await first.command.exited;

    // The operator adds zed (role ops) and drops ann.
    write([{ username: 'zed', password: 'operators-zed', roles: ['ops'] }]);
    const second = await run();
    expect(second.command.stderr()).toContain(
      'user "zed" was an account registered through /register',
    );
    expect(second.command.stderr()).toContain('user "ann" is no longer in');
    expect((await post(second.base, '/login', 'username=zed&password=zed-registrant')).status).toBe(
      401,
    );
    expect((await post(second.base, '/login', 'username=zed&password=operators-zed')).status).toBe(
      200,
    );
    expect((await post(second.base, '/login', 'username=ann&password=annie-password')).status).toBe(
      401,
    );
    // The registrant's session ended with the account.
    expect((await get(second.base, '/secret/', { cookie: zedCookie })).status).toBe(401);

    // A password changed through /changepwd survives the next load; one the operator changes in the file wins.
    expect(
      (
        await post(
          second.base,
          '/changepwd',
          'username=zed&password=operators-zed&new_password=zed-changed1',
        )
      ).status,
    ).toBe(200);
    second.command.process.kill('SIGTERM');
    await second.command.exited;
    const third = await run();
    expect(third.command.stderr()).not.toContain('user "zed"');
    expect((await post(third.base, '/login', 'username=zed&password=zed-changed1')).status).toBe(
      200,
    );
    third.command.process.kill('SIGTERM');
    await third.command.exited;
    write([{ username: 'zed', password: 'operators-reset', roles: ['ops'] }]);
    const fourth = await run();
    expect(fourth.command.stderr()).toContain('user "zed" has a new password in');
    expect((await post(fourth.base, '/login', 'username=zed&password=zed-changed1')).status).toBe(
      401,
    );
    expect(
      (await post(fourth.base, '/login', 'username=zed&password=operators-reset')).status,
    ).toBe(200);
  });

  it('keeps both workers serving when the log cannot be written (--log /dev/full)', async () => {
    const command = start('-l', '/dev/full');
    const base = await url(command);
    for (let i = 0; i < 20; i++) {
      const res = await get(base, '/public.txt');
      expect(res.status).toBe(200);
      await res.text();
    }
    await untilOutput(command.process, command.stderr, /cannot write the log/, 'stderr');
    expect(command.stderr().match(/cannot write the log/g)!.length).toBeLessThanOrEqual(2);
    expect(command.stderr()).not.toMatch(/a worker (stopped|exited)|keep exiting/);
    command.process.kill('SIGTERM');
    expect(await command.exited).toBe(0);
  });

  it('lets a worker listen only once its Redis connections are open, so its first request is served', async () => {
    const proxy = await heldProxy(redis.port);
    let opened = false;
    const connecting = connectStores({
      url: proxy.url,
      prefix,
      onState: () => undefined,
      waitForRedis: false,
    }).then((stores) => ((opened = true), stores));
    try {
      await proxy.held(3);
      expect(opened).toBe(false);
    } finally {
      proxy.release();
    }
    const { stores, close } = await connecting;
    try {
      expect(await stores.capture.createBin('first-request')).toBe(true);
    } finally {
      await close();
      await proxy.close();
    }
  });

  it('shows a hit answered by one worker on a feed held by the other (capture in Redis streams)', async () => {
    const command = start('--capture', 'all');
    const base = await url(command);
    expect(command.stdout()).toContain('hits in Redis streams');
    const made = await get(base, '/bin/new');
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as { id: string };
    const feed = await openStream(new URL(`/_mixnmatch/api/bins/${id}/feed`, base).href);
    // Each on a connection of its own: the cluster hands them to both workers.
    for (let i = 0; i < 12; i++) {
      const res = await post(base, `/bin/${id}/n${i}`, `i=${i}`);
      expect(res.status).toBe(200);
    }
    const events = await feed.until(12);
    feed.close();
    const hits = events.map((event) => JSON.parse(event.data) as { label: string; worker: number });
    expect(hits.map((hit) => hit.label)).toEqual(Array.from({ length: 12 }, (_, i) => `n${i}`));
    expect(new Set(hits.map((hit) => hit.worker))).toEqual(new Set([1, 2]));
    // Every request is in the bin all too, from both workers.
    const all = await (await get(base, '/_mixnmatch/api/bins/all/hits?limit=1000')).json();
    expect((all as { hits: unknown[] }).hits.length).toBeGreaterThanOrEqual(13);
    // The dashboard page's key, from one worker, opens the API on both.
    const page = await (await get(base, '/_mixnmatch/')).text();
    const key = /data-key="([\w-]+)"/.exec(page)![1]!;
    const fromThePage = { 'sec-fetch-site': 'same-origin', 'x-mixnmatch-key': key };
    for (let i = 0; i < 4; i++) {
      expect((await get(base, '/_mixnmatch/api/bins', fromThePage)).status).toBe(200);
    }
    expect(
      (await get(base, '/_mixnmatch/api/bins', { 'sec-fetch-site': 'same-origin' })).status,
    ).toBe(403);
  });

  it('revokes the winner of 20 parallel refreshes on both workers once the reuse is seen', async () => {
    const command = start('--jwt');
    const base = (await url(command)).replace(/\/$/, '');
    const login = await post(`${base}/`, '/login', 'username=ann&password=annie-password');
    expect(login.status).toBe(200);
    const { refresh_token } = (await login.json()) as { refresh_token: string };
    await raceRefresh(base, refresh_token);
  });

  it('answers quickly with 503 while Redis is down, serves what needs no store, and heals', async () => {
    const own = await startRedis();
    const command = launch(
      '--workers',
      '2',
      '--redis',
      own.url,
      '-p',
      '0',
      '-r',
      dir,
      '-S',
      'secret',
    );
    commands.push(command);
    const base = await url(command);
    const cookie = sessionOf(await get(base, '/login'));
    expect((await get(base, '/secret/', { cookie })).status).toBe(404);

    const port = own.port;
    await own.stop();
    // Answered while Redis is still down (it comes back only after these):
    // a command is never queued for its return.
    const down = await get(base, '/secret/', { cookie });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect((await get(base, '/public.txt')).status).toBe(200);
    // A session cookie is not looked up where no session is needed.
    const publicWithCookie = await get(base, '/public.txt', { cookie });
    expect(publicWithCookie.status).toBe(200);
    expect(await publicWithCookie.text()).toBe('public');
    expect((await get(base, '/cache/new', { cookie })).status).toBe(200);
    expect((await get(base, '/cache/new')).status).toBe(200);
    expect((await get(base, '/cache/page')).status).toBe(503);

    const back = await startRedis(port);
    try {
      // The command reconnects on its own (said once, when every worker has
      // Redis again); Redis came back empty, so a new login is needed.
      await untilOutput(command.process, command.stderr, /Redis at \S+ is back\n/, 'stderr');
      expect(command.stderr().match(/is unreachable/g)).toHaveLength(1);
      expect(command.stderr().match(/Redis at \S+ is back\n/g)).toHaveLength(1);
      const fresh = sessionOf(await get(base, '/login'));
      expect((await get(base, '/secret/', { cookie: fresh })).status).toBe(404);
      expect(command.process.exitCode).toBeNull();
    } finally {
      await back.stop();
    }
  });

  it('reopens the request log of every worker on SIGHUP, and says so once they all have', async () => {
    const log = path.join(dir, `access-${prefix.replace(/\W/g, '')}.log`);
    const errors = path.join(dir, `error-${prefix.replace(/\W/g, '')}.log`);
    const command = start('-l', log, '--error-log', errors);
    const base = await url(command);
    await untilFile(errors, /listening on \S+ with 2 workers/);
    renameSync(log, `${log}.1`);
    command.process.kill('SIGHUP');
    await untilFile(errors, /mixnmatch: SIGHUP: the logs are reopened\n/);
    // Each on a connection of its own: both workers answer, both write to the new file.
    for (let i = 0; i < 12; i++) expect((await get(base, `/public.txt?n=${i}`)).status).toBe(200);
    const lines = (await untilFile(log, /(.*\n){12}/))[0].trim().split('\n');
    expect(lines.filter((line) => line.includes('/public.txt?n='))).toHaveLength(12);
    expect(readFileSync(`${log}.1`, 'utf8')).not.toContain('?n=');
    expect(readFileSync(errors, 'utf8').match(/logs are reopened/g)).toHaveLength(1);
    expect(command.process.exitCode).toBeNull();
  });

  it('answers a GET waiting for a page (?wait=) as soon as any worker saves it', async () => {
    const command = start();
    const base = await url(command);
    /** Whether a worker's connection is blocked reading the page saves (a GET waits on it). */
    const blockedReads = async () =>
      (String(await redis.client.call('CLIENT', 'LIST')).match(/flags=b\S* .*cmd=xread/g) ?? [])
        .length;
    const until = async (check: () => Promise<boolean>) => {
      // Redis tells no one when a client blocks: it is asked until it says so.
      while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    for (let i = 0; i < 4; i++) {
      await until(async () => (await blockedReads()) === 0);
      // Each on a connection of its own: the waiting GET and the save land on either worker.
      const waiting = get(base, `/cache/poll-${i}?wait=30`);
      await until(async () => (await blockedReads()) > 0);
      const saved = await post(base, `/cache/poll-${i}`, `data=loot-${i}`);
      expect(saved.status).toBe(204);
      const res = await waiting;
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(`loot-${i}`);
    }
    expect((await get(base, '/cache/never?wait=0.2')).status).toBe(404);
  });

  it('serves one generated TLS certificate from every worker', async () => {
    const command = start('--tls');
    const base = new URL(await url(command));
    const printed = /fingerprint: (\S+)/.exec(command.stdout())![1];
    const fingerprints = await Promise.all(
      Array.from(
        { length: 8 },
        () =>
          new Promise<string>((resolve, reject) => {
            const socket = tlsConnect(
              { host: base.hostname, port: Number(base.port), rejectUnauthorized: false },
              () => {
                resolve(socket.getPeerX509Certificate()!.fingerprint256);
                socket.end();
              },
            );
            socket.on('error', reject);
          }),
      ),
    );
    expect(new Set(fingerprints)).toEqual(new Set([printed]));
  });

  it('stops every worker when its stdout goes away, instead of replacing them', async () => {
    const command = start('-l', '-');
    const base = await url(command);
    command.process.stdout.destroy();
    await get(base, '/public.txt').catch(() => undefined);
    await get(base, '/public.txt').catch(() => undefined);
    expect(await command.exited).toBe(0);
    expect(command.stderr()).not.toContain('starting another');
  });

  it('replaces a worker that dies while Redis is down, and heals with it', async () => {
    const own = await startRedis();
    const command = launch(
      '--workers',
      '2',
      '--redis',
      own.url,
      '-p',
      '0',
      '-r',
      dir,
      '-S',
      'secret',
    );
    commands.push(command);
    const base = await url(command);
    const port = own.port;
    await own.stop();
    await untilOutput(command.process, command.stderr, /unreachable/, 'stderr');
    // A worker dies (killed by hand); its replacement starts though Redis does not answer.
    const before = command.stderr().length;
    process.kill(childrenOf(command.process.pid!)[0]!, 'SIGKILL');
    // Said with the signal that ended it; Redis is still down, which was said already.
    await untilOutput(
      command.process,
      () => command.stderr().slice(before),
      /a worker exited \(SIGKILL\); starting another/,
      'stderr',
    );
    expect((await get(base, '/public.txt')).status).toBe(200);
    expect((await get(base, '/cache/x')).status).toBe(503);
    const back = await startRedis(port);
    try {
      await untilOutput(
        command.process,
        () => command.stderr().slice(before),
        /Redis at \S+ is back\n/,
        'stderr',
      );
      expect(command.stderr().match(/is unreachable/g)).toHaveLength(1);
      expect((await get(base, '/login')).status).toBe(200);
      expect(command.process.exitCode).toBeNull();
    } finally {
      await back.stop();
    }
  });

  it('says in one line that Redis cannot be reached at start, and exits 1', async () => {
    const port = await freePort();
    const command = launch('--workers', '2', '--redis', `redis://127.0.0.1:${port}`, '-p', '0');
    expect(await command.exited).toBe(1);
    expect(command.stderr()).toMatch(
      new RegExp(`^mixnmatch: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: .*\\n$`),
    );
  });

  it('refuses --workers above 1 without --redis, naming --redis', async () => {
    const command = launch('--workers', '2', '-p', '0');
    expect(await command.exited).toBe(2);
    expect(command.stderr()).toMatch(/^mixnmatch: --workers 2 needs --redis URL/);
  });
});
