// The Redis stores against a real redis-server: every store contract, concurrency across clients, faults.
import { randomBytes } from 'node:crypto';
import express from 'express';
import Redis from 'ioredis';
import { createClient } from 'redis';
import request from 'supertest';
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
import { startRedis, type TestRedis } from './helpers/redis';
import { raceRefresh, fakeClock } from './helpers';

jest.setTimeout(30_000);

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

/** Each store gets a prefix of its own: tests never see each other's keys. */
const options = () => ({ sendCommand: redis.send, prefix: redis.prefix() });

sessionStoreContract('RedisSessionStore', () => new mixnmatch.RedisSessionStore(options()), {
  bounded: (maxSessions) => new mixnmatch.RedisSessionStore({ ...options(), maxSessions }),
});
userStoreContract('RedisUserStore', () => new mixnmatch.RedisUserStore(options()));
lockoutStoreContract('RedisLockoutStore', () => new mixnmatch.RedisLockoutStore(options()));
pageStoreContract('RedisPageStore', () => new mixnmatch.RedisPageStore(options()));

describe('races between processes, made to happen', () => {
  /** A sendCommand that holds the first command matching `match` until released. */
  const gated = (match: (args: string[]) => boolean) => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const hit = new Promise<void>((resolve) => (reached = resolve));
    let held = false;
    const send: mixnmatch.SendCommand = async (args, route) => {
      if (!held && match(args)) {
        held = true;
        reached();
        await gate;
      }
      return redis.send(args, route);
    };
    return { send, release, hit };
  };

  it('keeps the page totals exact when clearAll runs while a save is finishing', async () => {
    const prefix = redis.prefix();
    // Held after the page is written, before it is live.
    const gate = gated(
      (args) =>
        args.includes(`${prefix}page-pending:{pages}`) &&
        args.includes(`${prefix}page-saves:{pages}`),
    );
    const slow = new mixnmatch.RedisPageStore({ sendCommand: gate.send, prefix });
    const other = new mixnmatch.RedisPageStore({ sendCommand: redis.send, prefix });
    const limits = { maxSize: 100, maxNames: 100 };
    const full = { data: Buffer.alloc(100, 1), type: 'text/plain' };
    const saving = slow.save('a', full, limits);
    await gate.hit;
    await other.clearAll();
    gate.release();
    expect(await saving).toBe('saved');
    expect(await other.size()).toBe(100);
    expect(await other.save('b', full, limits)).toBe('full');
  });

  it('ends a session whose login raced deleteUser, so no later password change misses it', async () => {
    const prefix = redis.prefix();
    // Held after the user's index has the session, before the session is written.
    const gate = gated(
      (args) => args[0]!.startsWith('EVAL') && args.some((arg) => arg.includes(`${prefix}sess:{`)),
    );
    const slow = new mixnmatch.RedisSessionStore({ sendCommand: gate.send, prefix });
    const other = new mixnmatch.RedisSessionStore({ sendCommand: redis.send, prefix });
    const now = Date.now();
    const setting = slow.set('s1', {
      createdAt: now,
      expiresAt: now + 60_000,
      user: { username: 'alice', roles: [] },
    });
    await gate.hit;
    await other.deleteUser('alice');
    gate.release();
    await setting;
    expect(await other.get('s1')).toBeUndefined();
  });

  it('gives a reservation back when Redis refuses the save, and keeps names with braces in one slot', async () => {
    const prefix = redis.prefix();
    const store = new mixnmatch.RedisPageStore({ sendCommand: redis.send, prefix });
    const limits = { maxSize: 100, maxNames: 3 };
    const page = { data: Buffer.from('x'), type: 'text/plain' };
    for (const name of ['}', '', '{}', '%7D', 'a}b{c']) {
      expect(await store.save(name, page, { maxSize: 100, maxNames: 100 })).toBe('saved');
      expect(await store.get(name)).toMatchObject({ data: page.data });
    }
    // A page key that holds another type: the save's script fails, nothing is kept.
    const other = redis.prefix();
    const refusing = new mixnmatch.RedisPageStore({ sendCommand: redis.send, prefix: other });
    await redis.client.set(`${other}page:{odd}`, 'a string, not a hash');
    for (let i = 0; i < 4; i++) {
      await expect(refusing.save('odd', page, limits)).rejects.toThrow(/unavailable/);
      await redis.client.del(`${other}page-name:{odd}`);
    }
    expect(await refusing.size()).toBe(0);
    expect(await refusing.save('fine', page, limits)).toBe('saved');
  });
});

describe('RedisPageStore.waitFor across processes', () => {
  it('wakes a request waiting on one store when another saves the name, on a blocking connection or polling', async () => {
    const prefix = redis.prefix();
    const blocking = redis.client.duplicate();
    try {
      const waiter = new mixnmatch.RedisPageStore({
        sendCommand: redis.send,
        blockingCommand: (args) => blocking.call(args[0]!, ...args.slice(1)),
        prefix,
      });
      const polling = new mixnmatch.RedisPageStore({ sendCommand: redis.send, prefix });
      const saver = new mixnmatch.RedisPageStore({ sendCommand: redis.send, prefix });
      const waits = [waiter, polling].map((store) =>
        store.waitFor('shared-name', 30_000, new AbortController().signal),
      );
      const page = { data: Buffer.from('x'), type: 'text/plain' };
      expect(await saver.save('shared-name', page, { maxSize: 100, maxNames: 10 })).toBe('saved');
      expect(await Promise.all(waits)).toEqual([true, true]);
      waiter.close();
      polling.close();
    } finally {
      blocking.disconnect();
    }
  });
});

describe('with node-redis instead of ioredis', () => {
  it('works through the documented one-liner', async () => {
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      const store = new mixnmatch.RedisPageStore({
        sendCommand: (args) => client.sendCommand(args),
        prefix: redis.prefix(),
      });
      const data = Buffer.from([0xff, 0x00, 0xfe, 0x80]);
      expect(
        await store.save('bin', { data, type: 'image/png' }, { maxSize: 100, maxNames: 10 }),
      ).toBe('saved');
      const page = await store.get('bin');
      expect(page).toEqual({ data, type: 'image/png' });
      const sessions = new mixnmatch.RedisSessionStore({
        sendCommand: (args) => client.sendCommand(args),
        prefix: redis.prefix(),
      });
      const id = 'c'.repeat(64);
      await sessions.set(id, {
        createdAt: 1,
        expiresAt: Date.now() + 60_000,
        user: { username: 'u', roles: [] },
      });
      expect((await sessions.get(id))?.user?.username).toBe('u');
      const lockout = new mixnmatch.RedisLockoutStore({
        sendCommand: (args) => client.sendCommand(args),
        prefix: redis.prefix(),
      });
      expect((await lockout.consume('k', 60_000)).count).toBe(1);
    } finally {
      await client.quit();
    }
  });
});

describe('what the Redis stores keep', () => {
  const passTime = fakeClock();
  it("keeps a user's session index to its live sessions", async () => {
    const prefix = redis.prefix();
    const store = new mixnmatch.RedisSessionStore({ sendCommand: redis.send, prefix });
    // Far enough ahead that no write (however slow the machine) stores a later expiry.
    const expiresAt = Date.now() + 60_000;
    for (let n = 0; n < 50; n++) {
      await store.set(n.toString(16).padStart(64, '0'), {
        createdAt: 1,
        expiresAt,
        user: { username: 'ann', roles: [] },
      });
    }
    // The stores prune by the time they are given: moved past the expiry, not waited for.
    passTime(expiresAt);
    await store.set('f'.repeat(64), {
      createdAt: 1,
      expiresAt: Date.now() + 60_000,
      user: { username: 'ann', roles: [] },
    });
    expect(await redis.client.zcard(`${prefix}sess-user:{ann}`)).toBe(1);
  });

  it('keeps a refresh-token family that keeps rotating to its live tokens', async () => {
    const prefix = redis.prefix();
    const store = new mixnmatch.RedisRefreshTokenStore({ sendCommand: redis.send, prefix });
    const expiresAt = Date.now() + 60_000;
    for (let n = 0; n < 20; n++)
      await store.add(`old-${n}`, { username: 'ann', family: 'f', expiresAt });
    // The stores prune by the time they are given: moved past the expiry, not waited for.
    passTime(expiresAt);
    await store.add('new', { username: 'ann', family: 'f', expiresAt: Date.now() + 60_000 });
    expect(await redis.client.zcard(`${prefix}rt-family:{f}`)).toBe(1);
  });
});

describe('a value in Redis that the stores did not write', () => {
  const app = (prefix: string) => {
    const stores = mixnmatch.redisStores({ sendCommand: redis.send, prefix });
    return {
      stores,
      server: mixnmatch.createApp({
        root: __dirname,
        auth: {
          secrets: ['secret'],
          store: stores.sessions,
          users: stores.users,
          lockout: { store: stores.lockout },
          scrypt: { cost: 1024 },
        },
        cache: { store: stores.pages },
        errors: { log: false },
      }),
    };
  };

  it('is no session (401), never a crash', async () => {
    const prefix = redis.prefix();
    const { server, stores } = app(prefix);
    const id = 'd'.repeat(64);
    // Where the store keeps this id (its shard's hash tag is the store's to choose).
    await stores.sessions.set(id, { createdAt: 1, expiresAt: Date.now() + 60_000 });
    const [key] = await redis.client.keys(`${prefix}sess:*:${id}`);
    expect(key).toBeDefined();
    for (const value of [
      'not json',
      '{"createdAt":"x"}',
      '[]',
      `{"createdAt":1,"expiresAt":${Date.now() + 60_000},"user":{"username":5}}`,
    ]) {
      await redis.client.set(key!, value);
      const res = await request(server).get('/secret/x').set('Cookie', `SESSION=${id}`);
      expect(res.status).toBe(401);
    }
    await redis.client.del(key!);
    await redis.client.hset(key!, 'a', 'b');
    expect((await request(server).get('/secret/x').set('Cookie', `SESSION=${id}`)).status).toBe(
      503,
    );
  });

  it('is a 503 for a page, a user or a count, never a crash', async () => {
    const prefix = redis.prefix();
    const { server } = app(prefix);
    await redis.client.hset(`${prefix}page:{odd}`, 'data', '!!not base64!!', 'type', 'text/plain');
    expect((await request(server).get('/cache/odd')).status).toBe(503);
    await redis.client.hset(
      `${prefix}page:{header}`,
      'data',
      'eA==',
      'type',
      'text/html\r\nSet-Cookie: x=1',
    );
    const injected = await request(server).get('/cache/header');
    expect(injected.status).toBe(503);
    expect(injected.headers['set-cookie']).toBeUndefined();
    await redis.client.set(`${prefix}page:{str}`, 'a string, not a hash');
    expect((await request(server).get('/cache/str')).status).toBe(503);
    await redis.client.hset(`${prefix}user:mal`, 'passwordHash', 'x', 'roles', '{not json');
    const login = await request(server)
      .post('/login')
      .type('form')
      .send({ username: 'mal', password: 'whatever1' });
    expect(login.status).toBe(503);
    expect(login.headers['retry-after']).toBe('5');
    for (const address of ['::ffff:127.0.0.1', '127.0.0.1']) {
      await redis.client.del(`${prefix}lockout:addr:${address}`);
      await redis.client.hset(`${prefix}lockout:addr:${address}`, 'x', 'y');
    }
    const locked = await request(server)
      .post('/login')
      .type('form')
      .send({ username: 'any', password: 'whatever1' });
    expect(locked.status).toBe(503);
  });
});

describe('when Redis is down', () => {
  it('answers requests that need it with a quick 503, serves the rest, and heals when it is back', async () => {
    const own = await startRedis();
    // As the command sets its client up: no queue while Redis is away, 2 s per command at most.
    const client = new Redis({
      port: own.port,
      host: '127.0.0.1',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 2000,
      retryStrategy: () => 50,
    });
    client.on('error', () => undefined);
    await new Promise((resolve) => client.once('ready', resolve));
    const stores = mixnmatch.redisStores({
      sendCommand: (args) => client.call(args[0]!, ...args.slice(1)),
    });
    const server = mixnmatch.createApp({
      root: __dirname,
      auth: { secrets: ['secret'], store: stores.sessions },
      cache: { store: stores.pages },
      errors: { log: false },
    });
    try {
      const login = await request(server).get('/login');
      const cookie = (login.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
      const port = own.port;
      const closed = new Promise((resolve) => client.once('close', resolve));
      await own.stop();
      await closed;
      // Quick, counted on the client's own clock: it tries to reconnect every
      // 50 ms, so an answer that waited for a command to time out (2 s) would
      // come after some 40 tries; a quick one comes within a few.
      let tries = 0;
      const counting = () => void tries++;
      client.on('reconnecting', counting);
      const res = await request(server).get('/secret/x').set('Cookie', cookie);
      client.off('reconnecting', counting);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(tries).toBeLessThan(10);
      expect((await request(server).get('/cache/anything')).status).toBe(503);
      expect((await request(server).get('/redis-stores.test.ts')).status).toBe(200);
      expect((await request(server).get('/secret/x')).status).toBe(401);

      const back = await startRedis(port);
      try {
        await new Promise((resolve) => client.once('ready', resolve));
        const again = await request(server).get('/login');
        expect(again.status).toBe(200);
        const fresh = (again.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
        expect((await request(server).get('/secret/x').set('Cookie', fresh)).status).toBe(404);
      } finally {
        await back.stop();
      }
    } finally {
      client.disconnect();
    }
  });
});

refreshTokenStoreContract(
  'RedisRefreshTokenStore',
  () => new mixnmatch.RedisRefreshTokenStore(options()),
);

describe('token mode on a RedisRefreshTokenStore', () => {
  it('revokes the winner of 20 parallel refreshes once the reuse is seen', async () => {
    const server = express().use(
      mixnmatch.auth({
        users: [{ username: 'ann', password: 'annie-password' }],
        scrypt: { cost: 1024 },
        tokens: { key: randomBytes(32), store: new mixnmatch.RedisRefreshTokenStore(options()) },
      }),
    );
    const login = await request(server)
      .post('/login')
      .send({ username: 'ann', password: 'annie-password' });
    expect(login.status).toBe(200);
    await raceRefresh(server, (login.body as { refresh_token: string }).refresh_token);
  });
});

describe('RedisUserStore and the users file', () => {
  it('records the names of a users file of 10,000 users', async () => {
    const store = new mixnmatch.RedisUserStore(options());
    const names = Array.from({ length: 10_000 }, (_, i) => `user${i}`);
    await store.setFileUsernames(names);
    expect((await store.fileUsernames()).sort()).toEqual([...names].sort());
    await store.setFileUsernames(['only']);
    expect(await store.fileUsernames()).toEqual(['only']);
  });

  it("replaces a registered account with the file's user, and tells them apart", async () => {
    const store = new mixnmatch.RedisUserStore(options());
    await store.create({ username: 'zed', passwordHash: 'registered', roles: [] });
    expect(await store.getFileUser('zed')).toEqual({
      user: { username: 'zed', passwordHash: 'registered', roles: [] },
      fileHash: undefined,
    });
    await store.setFileUser({ username: 'zed', passwordHash: 'file', roles: ['ops'] }, 'file');
    expect(await store.getFileUser('zed')).toEqual({
      user: { username: 'zed', passwordHash: 'file', roles: ['ops'] },
      fileHash: 'file',
    });
    expect(await store.delete('zed')).toBe(true);
    expect(await store.get('zed')).toBeUndefined();
  });
});

describe('RedisCaptureStore', () => {
  /** A blocking connection of its own, as the command gives the store. */
  const blocking = () => {
    const client = redis.client.duplicate();
    blockingClients.push(client);
    return (args: string[]) => client.call(args[0]!, ...args.slice(1));
  };
  const blockingClients: Redis[] = [];
  afterAll(() => {
    for (const client of blockingClients) client.disconnect();
  });
  const prefixes = new WeakMap<object, string>();
  const make = (
    extra: Partial<mixnmatch.RedisCaptureStoreOptions> = {},
    prefix = redis.prefix(),
  ) => {
    const store = new mixnmatch.RedisCaptureStore({
      sendCommand: redis.send,
      blockingCommand: blocking(),
      prefix,
      ...extra,
    });
    prefixes.set(store, prefix);
    return store;
  };

  captureStoreContract('RedisCaptureStore', () => make(), {
    bounded: (maxHitsPerBin) => make({ maxHitsPerBin }),
    binsBounded: (maxBins) => make({ maxBins }),
    // Another process on the same Redis: the same prefix, other connections.
    twin: (store) => make({}, prefixes.get(store)),
  });

  captureStoreContract(
    'RedisCaptureStore without a blocking connection (polling)',
    () => new mixnmatch.RedisCaptureStore({ sendCommand: redis.send, prefix: redis.prefix() }),
  );

  it('keeps at most maxBytesPerBin bytes of hits in a bin, the oldest going first, and counts them', async () => {
    const store = make({ maxBytesPerBin: 4000 });
    await store.createBin('big');
    for (let i = 0; i < 10; i++) await store.add(sampleHit('big', `${i}`.repeat(1000)));
    const hits = await store.hits('big');
    expect(hits.length).toBeLessThan(4);
    expect(hits.at(-1)!.body.text).toBe('9'.repeat(1000));
    expect((await store.getBin('big'))?.evicted).toBe(10 - hits.length);
    // A deleted hit gives its bytes back.
    await store.deleteHit('big', hits[0]!.id);
    await store.add(sampleHit('big', 'small'));
    expect((await store.hits('big')).length).toBe(hits.length);
    store.close();
  });
});
