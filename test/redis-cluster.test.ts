// The Redis stores on a real three-master Redis Cluster: every store contract, keys spread over the masters, scripts a node has never seen.
import { createCluster } from 'redis';
import * as mixnmatch from 'mixnmatch';
import {
  captureStoreContract,
  lockoutStoreContract,
  pageStoreContract,
  refreshTokenStoreContract,
  sessionStoreContract,
  userStoreContract,
  sampleHit,
} from 'mixnmatch/testing';
import { startCluster, type TestCluster } from './helpers/redis-cluster';

jest.setTimeout(60_000);

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

/** Each store gets a prefix of its own: tests never see each other's keys. */
const options = () => ({ sendCommand: cluster.send, prefix: cluster.prefix() });

describe('with ioredis Cluster', () => {
  sessionStoreContract('RedisSessionStore', () => new mixnmatch.RedisSessionStore(options()), {
    bounded: (maxSessions) => new mixnmatch.RedisSessionStore({ ...options(), maxSessions }),
  });
  sessionStoreContract(
    'RedisSessionStore in 16 shards',
    () => new mixnmatch.RedisSessionStore({ ...options(), shards: 16 }),
  );
  userStoreContract('RedisUserStore', () => new mixnmatch.RedisUserStore(options()));
  lockoutStoreContract('RedisLockoutStore', () => new mixnmatch.RedisLockoutStore(options()));
  pageStoreContract('RedisPageStore', () => new mixnmatch.RedisPageStore(options()));
  refreshTokenStoreContract(
    'RedisRefreshTokenStore',
    () => new mixnmatch.RedisRefreshTokenStore(options()),
  );
  const prefixes = new WeakMap<object, string>();
  const capture = (
    extra: Partial<mixnmatch.RedisCaptureStoreOptions> = {},
    prefix = cluster.prefix(),
  ) => {
    const store = new mixnmatch.RedisCaptureStore({
      sendCommand: cluster.send,
      blockingCommand: blocking(),
      prefix,
      ...extra,
    });
    prefixes.set(store, prefix);
    return store;
  };
  const blockers: ReturnType<TestCluster['client']['duplicate']>[] = [];
  const blocking = () => {
    const client = cluster.client.duplicate();
    blockers.push(client);
    return (args: string[]) => client.call(args[0]!, ...args.slice(1));
  };
  afterAll(() => {
    for (const client of blockers) client.disconnect();
  });
  captureStoreContract('RedisCaptureStore', () => capture(), {
    bounded: (maxHitsPerBin) => capture({ maxHitsPerBin }),
    binsBounded: (maxBins) => capture({ maxBins }),
    twin: (store) => capture({}, prefixes.get(store)),
  });
});

describe('with node-redis createCluster, through the documented adapter', () => {
  let client: ReturnType<typeof createCluster>;
  beforeAll(async () => {
    client = createCluster({
      rootNodes: cluster.nodes.map((node) => ({ url: `redis://127.0.0.1:${node.port}` })),
    });
    await client.connect();
  });
  afterAll(async () => {
    await client.close();
  });
  const adapter = () => ({
    sendCommand: ((args, { key, isReadOnly }) =>
      client.sendCommand(key, isReadOnly, args)) as mixnmatch.SendCommand,
    prefix: cluster.prefix(),
  });
  sessionStoreContract('RedisSessionStore', () => new mixnmatch.RedisSessionStore(adapter()), {
    bounded: (maxSessions) => new mixnmatch.RedisSessionStore({ ...adapter(), maxSessions }),
  });
  pageStoreContract('RedisPageStore', () => new mixnmatch.RedisPageStore(adapter()));
  refreshTokenStoreContract(
    'RedisRefreshTokenStore',
    () => new mixnmatch.RedisRefreshTokenStore(adapter()),
  );
  userStoreContract('RedisUserStore', () => new mixnmatch.RedisUserStore(adapter()));
  lockoutStoreContract('RedisLockoutStore', () => new mixnmatch.RedisLockoutStore(adapter()));
  captureStoreContract('RedisCaptureStore', () => new mixnmatch.RedisCaptureStore(adapter()));
});

describe('keys spread over the masters', () => {
  it('puts 10,000 sessions and 10,000 pages on every master within 2x of each other', async () => {
    const prefix = cluster.prefix();
    const before = await cluster.keysPerNode();
    const sessions = new mixnmatch.RedisSessionStore({
      sendCommand: cluster.send,
      prefix,
      maxSessions: 20_000,
    });
    const pages = new mixnmatch.RedisPageStore({ sendCommand: cluster.send, prefix });
    const expiresAt = Date.now() + 600_000;
    for (let start = 0; start < 10_000; start += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          Promise.all([
            sessions.set((start + i).toString(16).padStart(64, '0'), {
              createdAt: 1,
              expiresAt,
              user: { username: `user${start + i}`, roles: [] },
            }),
            pages.save(
              `page-${start + i}`,
              { data: Buffer.from('x'), type: 'text/plain' },
              { maxSize: 1_000_000, maxNames: 100_000 },
            ),
          ]),
        ),
      );
    }
    const after = await cluster.keysPerNode();
    const added = after.map((n, i) => n - before[i]!);
    expect(added.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(40_000);
    expect(Math.max(...added) / Math.min(...added)).toBeLessThan(2);
    expect(await pages.size()).toBe(10_000);
  });
});

describe('items whose names hold braces', () => {
  it('keeps every key of a page, a session index or a token family in one slot, whatever the name', async () => {
    const prefix = cluster.prefix();
    const stores = mixnmatch.redisStores({ sendCommand: cluster.send, prefix });
    const page = { data: Buffer.from('x'), type: 'text/plain' };
    const names = ['}', '', '{}', '}x', 'a}b{c', '%', '%7D'];
    for (const name of names) {
      expect(await stores.pages.save(name, page, { maxSize: 100, maxNames: 100 })).toBe('saved');
      expect(await stores.pages.get(name)).toMatchObject({ data: page.data });
      await stores.refreshTokens.add(`d-${name}`, {
        username: name || 'u',
        family: name,
        expiresAt: Date.now() + 60_000,
      });
      const next = { digest: `e-${name}`, expiresAt: Date.now() + 60_000 };
      expect((await stores.refreshTokens.rotate(`d-${name}`, next)).status).toBe('ok');
    }
    expect(await stores.pages.size()).toBe(names.length);
    for (const name of names) expect(await stores.pages.get(name)).toBeDefined();
  });
});

describe('scripts a node does not know', () => {
  it('runs every store after SCRIPT FLUSH on every node, and after a node restarts empty', async () => {
    const prefix = cluster.prefix();
    const stores = mixnmatch.redisStores({ sendCommand: cluster.send, prefix });
    const exercise = async (round: string) => {
      const id = `${round}`.padStart(64, '0');
      await stores.sessions.set(id, {
        createdAt: 1,
        expiresAt: Date.now() + 60_000,
        user: { username: `u${round}`, roles: [] },
      });
      expect((await stores.sessions.get(id))?.user?.username).toBe(`u${round}`);
      expect(
        await stores.pages.save(
          `p${round}`,
          { data: Buffer.from('hi'), type: 'text/plain' },
          { maxSize: 100, maxNames: 100 },
        ),
      ).toBe('saved');
      expect(
        await stores.users.create({ username: `u${round}`, passwordHash: 'h', roles: [] }),
      ).toBe(true);
      expect((await stores.lockout.consume(`k${round}`, 60_000)).count).toBe(1);
      await stores.refreshTokens.add(`d${round}`, {
        username: `u${round}`,
        family: `f${round}`,
        expiresAt: Date.now() + 60_000,
      });
      expect(
        (
          await stores.refreshTokens.rotate(`d${round}`, {
            digest: `e${round}`,
            expiresAt: Date.now() + 60_000,
          })
        ).status,
      ).toBe('ok');
      expect(await stores.capture.createBin(`b${round}`)).toBe(true);
      expect(await stores.capture.add(sampleHit(`b${round}`, 'x'))).toBeDefined();
    };
    await exercise('1');
    await cluster.onEveryNode(['SCRIPT', 'FLUSH']);
    await exercise('2');
    // A master that restarts keeps its slots (its nodes file) but knows no script.
    const node = cluster.nodes[1]!;
    await cluster.restart(1);
    expect(node.port).toBe(cluster.nodes[1]!.port);
    await exercise('3');
  });
});
