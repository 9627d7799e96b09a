// The command on a real Redis Cluster and a real Sentinel set: two workers sharing state across masters, a failover, a Redis that comes back empty, a replica that refuses writes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { untilOutput, type Child } from './helpers/process';
import { freePort, spawnRedis, startRedis } from './helpers/redis';
import { startCluster, startSentinel, type TestCluster } from './helpers/redis-cluster';
import { get, launch, post, sessionOf, url } from './helpers/workers';
import { raceRefresh } from './helpers';

jest.setTimeout(90_000);

let dir: string;
let users: string;
const commands: Child[] = [];
/** The command with `args`, stopped after the test. */
const run = (...args: string[]) => {
  const command = launch('-p', '0', '-r', dir, '-S', 'secret', ...args);
  commands.push(command);
  return command;
};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'mixnmatch-cluster-command-'));
  writeFileSync(path.join(dir, 'public.txt'), 'public');
  users = path.join(dir, '.users.json');
  writeFileSync(users, JSON.stringify([{ username: 'ann', password: 'annie-password' }]));
});
afterEach(async () => {
  for (const command of commands.splice(0)) {
    if (command.process.exitCode === null && command.process.signalCode === null) {
      command.process.kill('SIGTERM');
      await command.exited;
    }
  }
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Asks until `check` holds of a fresh answer (a failover takes the Sentinels a few seconds). */
async function eventually(ask: () => Promise<boolean>, within = 30_000): Promise<void> {
  const deadline = Date.now() + within;
  while (!(await ask())) {
    if (Date.now() > deadline) throw new Error('not within the time given');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('mixnmatch --workers 2 --redis redis+cluster://…', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  /** The command on two workers sharing the cluster under `prefix`, loading the users file. */
  const onCluster = (prefix: string, ...extra: string[]) =>
    run(
      '--workers',
      '2',
      '--redis',
      cluster.url,
      '--redis-prefix',
      prefix,
      '--users',
      users,
      ...extra,
    );

  it('shares logins, pages, registered users and the lockout between workers, with keys on every master', async () => {
    const prefix = cluster.prefix();
    const command = onCluster(prefix, '--register');
    const base = await url(command);
    expect(command.stdout()).toContain('with 2 workers');

    const login = await post(base, '/login', 'username=ann&password=annie-password');
    expect(login.status).toBe(200);
    const cookie = sessionOf(login);
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () => get(base, '/secret/', { cookie }).then((r) => r.status)),
    );
    expect(statuses.every((s) => s !== 401)).toBe(true);

    for (let i = 0; i < 12; i++) {
      expect((await post(base, `/cache/page${i}`, `data=page%20${i}`)).status).toBe(204);
    }
    for (let i = 0; i < 12; i++) {
      expect(await (await get(base, `/cache/page${i}`)).text()).toBe(`page ${i}`);
      expect((await post(base, `/cache/page${i}`, 'data=again')).status).toBe(409);
    }

    for (let i = 0; i < 6; i++) {
      const registered = await post(base, '/register', `username=user${i}&password=password-${i}x`);
      expect(registered.status).toBe(201);
      expect((await post(base, '/login', `username=user${i}&password=password-${i}x`)).status).toBe(
        200,
      );
    }

    // 30 parallel wrong passwords, on both workers: at most 5 are checked.
    const guesses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post(base, '/login', `username=ann&password=wrong-${i}`),
      ),
    );
    expect(guesses.filter((g) => g.status === 401)).toHaveLength(5);
    expect(guesses.filter((g) => g.status === 429)).toHaveLength(25);

    // The state is on every master, not on one.
    const perNode = await Promise.all(
      cluster.nodes.map(async (node) => {
        const one = new Redis({ port: node.port, host: '127.0.0.1' });
        try {
          return (await one.keys(`${prefix}*`)).length;
        } finally {
          one.disconnect();
        }
      }),
    );
    expect(perNode.every((n) => n > 0)).toBe(true);
  });

  it('rotates refresh tokens on both workers: one of 20 parallel refreshes wins, and the reuse revokes it', async () => {
    const command = onCluster(cluster.prefix(), '--jwt');
    const base = (await url(command)).replace(/\/$/, '');
    const login = await post(`${base}/`, '/login', 'username=ann&password=annie-password');
    expect(login.status).toBe(200);
    const { refresh_token } = (await login.json()) as { refresh_token: string };
    await raceRefresh(base, refresh_token);
  });

  it('loads the users again when the master holding its state mark restarts empty, though the client saw no outage', async () => {
    const prefix = cluster.prefix();
    const command = onCluster(prefix);
    const base = await url(command);
    expect((await post(base, '/login', 'username=ann&password=annie-password')).status).toBe(200);
    // The master whose slots hold the mark.
    const slot = Number(await cluster.client.call('CLUSTER', 'KEYSLOT', `${prefix}state`));
    const owners = await cluster.onEveryNode(['CLUSTER', 'MYID']);
    const shards = (await cluster.client.call('CLUSTER', 'SLOTS')) as [
      number,
      number,
      [string, number, string],
    ][];
    const owner = shards.find(([low, high]) => slot >= low && slot <= high)![2][2];
    await cluster.restart(owners.indexOf(owner));
    await untilOutput(
      command.process,
      command.stderr,
      /came back empty .*; the users of \S+ are loaded again\n/,
      'stderr',
    );
    expect((await post(base, '/login', 'username=ann&password=annie-password')).status).toBe(200);
  });

  it('says in one line that a cluster node given as one Redis holds only some keys, and exits 1', async () => {
    const command = run('--redis', `redis://127.0.0.1:${cluster.nodes[0]!.port}`);
    expect(await command.exited).toBe(1);
    expect(command.stderr()).toMatch(
      /^mixnmatch: Redis at \S+ is one node of a Redis Cluster and holds only some keys\. Give the cluster: --redis redis\+cluster:\/\/HOST:PORT,HOST:PORT\n(Run mixnmatch --help for the options\.\n)?$/,
    );
  });
});

describe('mixnmatch --redis redis+sentinel://…/mymaster', () => {
  it('follows a failover: writes go to the new master within seconds, with no restart, and nothing acknowledged is lost', async () => {
    const sentinel = await startSentinel();
    try {
      const command = run('--workers', '2', '--redis', sentinel.url, '--users', users);
      const base = await url(command);
      const login = await post(base, '/login', 'username=ann&password=annie-password');
      expect(login.status).toBe(200);
      const cookie = sessionOf(login);
      expect((await post(base, '/cache/before', 'data=kept')).status).toBe(204);

      await sentinel.failover();
      // The old master is a replica now: a write there is refused until the
      // command's connections move to the new master.
      await eventually(
        async () => (await post(base, `/cache/after-${Date.now()}`, 'data=x')).status === 204,
      );
      expect((await post(base, '/cache/after', 'data=new master')).status).toBe(204);
      expect(await (await get(base, '/cache/after')).text()).toBe('new master');
      expect(await (await get(base, '/cache/before')).text()).toBe('kept');
      expect((await get(base, '/secret/', { cookie })).status).not.toBe(401);
      expect((await post(base, '/login', 'username=ann&password=annie-password')).status).toBe(200);
      expect(command.process.exitCode).toBeNull();
      expect(command.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      await sentinel.stop();
    }
  });
});

describe('a Redis that never answers, or refuses the credentials', () => {
  it('gives up at start within 10 s on Sentinels that know no such master, saying so in one line (exit 1)', async () => {
    const sentinel = await startSentinel();
    try {
      const command = run('--redis', sentinel.url.replace(/\/mymaster$/, '/othername'));
      expect(await command.exited).toBe(1);
      expect(command.stderr()).toMatch(
        /^mixnmatch: cannot reach Redis at redis\+sentinel:\/\/\S+\/othername: .*No such master with that name\n/,
      );
      expect(command.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      await sentinel.stop();
    }
  });

  it('says that Redis refuses the credentials (WRONGPASS, NOAUTH), and never shows the password', async () => {
    const server = await spawnRedis(await freePort(), ['--requirepass', 'right-password']);
    try {
      const wrong = run('--redis', `redis://:wrong-password@127.0.0.1:${server.port}`);
      expect(await wrong.exited).toBe(1);
      expect(wrong.stderr()).toMatch(
        /^mixnmatch: Redis at redis:\/\/\*\*\*@127\.0\.0\.1:\d+ refuses the command's credentials \((WRONGPASS|NOAUTH)\)/,
      );
      expect(wrong.stderr()).not.toContain('wrong-password');
      const none = run('--redis', `redis://127.0.0.1:${server.port}`);
      expect(await none.exited).toBe(1);
      expect(none.stderr()).toMatch(/refuses the command's credentials \(NOAUTH\)/);
    } finally {
      await server.stop();
    }
  });
});

describe('a Redis that comes back empty, or refuses writes', () => {
  it('loads the users file again as soon as Redis is back empty, and says the state was lost', async () => {
    const own = await startRedis();
    const command = run('--workers', '2', '--redis', own.url, '--users', users);
    const base = await url(command);
    expect((await post(base, '/login', 'username=ann&password=annie-password')).status).toBe(200);
    const port = own.port;
    await own.stop();
    await untilOutput(command.process, command.stderr, /unreachable/, 'stderr');
    const back = await startRedis(port);
    try {
      await untilOutput(
        command.process,
        command.stderr,
        /came back empty .*: the sessions, pages, tokens, lockout counts and capture bins it held are gone; the users of \S+ are loaded again\n/,
        'stderr',
      );
      expect(command.stderr().match(/came back empty/g)).toHaveLength(1);
      for (let i = 0; i < 4; i++) {
        expect((await post(base, '/login', 'username=ann&password=annie-password')).status).toBe(
          200,
        );
      }
    } finally {
      await back.stop();
    }
  });

  it('says in one line that a replica refuses writes, at start (exit 1) and while running (503s)', async () => {
    const master = await startRedis();
    const replica = await spawnRedis(await freePort(), [
      '--replicaof',
      '127.0.0.1',
      String(master.port),
    ]);
    try {
      const refused = run('--redis', `redis://127.0.0.1:${replica.port}`);
      expect(await refused.exited).toBe(1);
      expect(refused.stderr()).toMatch(
        /^mixnmatch: Redis at \S+ refuses writes: it is a read-only replica \(READONLY\)\. Point --redis at the master, or at its Sentinels \(redis\+sentinel:\/\/HOST:26379,…\/MASTER\) to follow failovers\n(Run mixnmatch --help for the options\.\n)?$/,
      );

      // A master that becomes a replica while the command runs.
      const command = run('--workers', '2', '--redis', master.url);
      const base = await url(command);
      expect((await post(base, '/cache/one', 'data=1')).status).toBe(204);
      await master.client.call('REPLICAOF', '127.0.0.1', String(replica.port));
      for (let i = 0; i < 6; i++) {
        const res = await post(base, `/cache/two${i}`, 'data=2');
        expect(res.status).toBe(503);
      }
      await untilOutput(command.process, command.stderr, /read-only replica/, 'stderr');
      expect(command.stderr().match(/read-only replica \(READONLY\)/g)).toHaveLength(1);
      expect(command.stderr()).not.toMatch(/\n\s+at /);
      expect((await get(base, '/public.txt')).status).toBe(200);
    } finally {
      await replica.stop();
      await master.stop();
    }
  });
});
