// What --redis takes (one Redis, a cluster, a Sentinel set), how keys find their hash slot, and which prefixes leave the stores' hash tags alone.
import { parseRedisUrl, redactUrl } from '../../src/cli/redis-url';
import { refusal } from '../../src/cli/redis';
import { keySlot, shardOf, spreadTags } from '../../src/redis';
import { RedisPageStore } from 'mixnmatch';

describe('parseRedisUrl', () => {
  it('leaves redis:// and rediss:// to ioredis', () => {
    expect(parseRedisUrl('redis://u:p@h:1/2')).toEqual({
      kind: 'single',
      url: 'redis://u:p@h:1/2',
    });
    expect(parseRedisUrl('rediss://h')).toEqual({ kind: 'single', url: 'rediss://h' });
  });

  it('reads a cluster: its nodes, credentials and TLS', () => {
    expect(parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2,[::1]:7002')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 6379 },
        { host: '::1', port: 7002 },
      ],
      tls: false,
    });
    expect(parseRedisUrl('rediss+cluster://app:s%40cret@h:1')).toMatchObject({
      kind: 'cluster',
      username: 'app',
      password: 's@cret',
      tls: true,
    });
    expect(parseRedisUrl('redis+cluster://:secret@h:1')).toMatchObject({ password: 'secret' });
  });

  it('reads a Sentinel set: the Sentinels, the master name, a database and passwords', () => {
    expect(
      parseRedisUrl('redis+sentinel://:pw@s1:26379,s2/mymaster/3?sentinelPassword=sp'),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
      ],
      name: 'mymaster',
      db: 3,
      password: 'pw',
      sentinelPassword: 'sp',
      tls: false,
    });
  });

  it.each([
    ['http://x', /not a redis:\/\/ or rediss:\/\/ URL/],
    ['redis+cluster://h:1/0', /a Redis Cluster has no database/],
    ['redis+cluster://h:99999', /the address is not a HOST:PORT/],
    ['redis+cluster://h:1,,h:2', /address 2 of 3 is not a HOST:PORT/],
    ['redis+cluster://u:p%zz@h:1', /not percent-encoded properly/],
    ['redis+cluster://h:1?tls=1', /unknown option "tls" \(a cluster URL takes none\)/],
    ['redis+sentinel://s:1/m?db=2', /unknown option "db"/],
    ['redis+sentinel://s:1', /names the master after the Sentinels/],
    ['redis+sentinel://s:1/m/x', /names the master after the Sentinels/],
    ['redis+sentinel://s:1/m/1/2', /names the master after the Sentinels/],
  ])('refuses %s, saying what it takes', (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(message);
  });

  it('leaves credentials out of what it prints, whatever they hold', () => {
    expect(redactUrl('redis+cluster://u:p@h:1,h:2')).toBe('redis+cluster://***@h:1,h:2');
    expect(redactUrl('rediss+sentinel://:p@s:1/m')).toBe('rediss+sentinel://***@s:1/m');
    expect(redactUrl('redis://h:1')).toBe('redis://h:1');
    expect(redactUrl('redis+cluster://admin:ab/cd@h:1')).toBe('redis+cluster://***@h:1');
    expect(redactUrl('redis+cluster://admin:s?3@h:1')).toBe('redis+cluster://***@h:1');
    expect(redactUrl('redis+cluster://admin:p@ss@h:1')).toBe('redis+cluster://***@h:1');
    expect(redactUrl('redis+sentinel://s:1/m?sentinelPassword=TOPSECRET')).toBe(
      'redis+sentinel://s:1/m?sentinelPassword=***',
    );
    expect(redactUrl('redis://h:1/0?password=x&db=1')).toBe('redis://h:1/0?password=***&db=1');
  });

  it('reads a password that holds / ? or @, and never shows it in an error', () => {
    expect(parseRedisUrl('redis+cluster://admin:a/b?c@d@h:1')).toMatchObject({
      username: 'admin',
      password: 'a/b?c@d',
      nodes: [{ host: 'h', port: 1 }],
    });
    for (const url of ['redis+cluster://admin:s3cr3t?x', 'redis+cluster://admin:s3cr3t/x']) {
      expect(() => parseRedisUrl(url)).toThrow(/^(?!.*s3cr3t)/);
    }
  });
});

describe('hash slots', () => {
  it("finds a key's slot as Redis Cluster does (CRC16 of its hash tag)", () => {
    // Values from `CLUSTER KEYSLOT` of Redis 7.
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('bar')).toBe(5061);
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    expect(keySlot('a{}b')).toBe(keySlot('a{}b'));
    expect(keySlot('x{}{y}')).not.toBe(keySlot('y'));
  });

  it('spreads shard tags evenly over the slots, the same every time', () => {
    const tags = spreadTags(16);
    expect(tags).toHaveLength(16);
    tags.forEach((tag, i) => {
      expect(keySlot(`{${tag}}`)).toBeGreaterThanOrEqual(i * 1024);
      expect(keySlot(`{${tag}}`)).toBeLessThan((i + 1) * 1024);
    });
    expect(spreadTags(16)).toEqual(tags);
  });

  it('puts ids in every shard alike', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[shardOf(`session-${i}`, 16)]! += 1;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });
});

describe('a prefix and the hash tags', () => {
  const sendCommand = () => Promise.resolve(null);
  it.each(['app:', 'app}:', 'app{1}:', '{team-a}'])('takes %s', (prefix) => {
    expect(() => new RedisPageStore({ sendCommand, prefix })).not.toThrow();
  });
  it.each(['app{:', 'app{}:', '{'])(
    'refuses %s: it would split the keys of one operation over slots',
    (prefix) => {
      expect(() => new RedisPageStore({ sendCommand, prefix })).toThrow(/whole hash tag/);
    },
  );
});

describe('refusal: what the operator must fix, in one line', () => {
  it.each([
    ["READONLY You can't write against a read only replica.", /read-only replica \(READONLY\)/],
    ['MOVED 3999 127.0.0.1:7001', /one node of a Redis Cluster .*\(MOVED\)/],
    [
      'Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down',
      /the Redis Cluster at X is down \(CLUSTERDOWN\)/,
    ],
    ['WRONGPASS invalid username-password pair', /refuses the command's credentials \(WRONGPASS\)/],
    ["OOM command not allowed when used memory > 'maxmemory'.", /out of memory \(OOM/],
  ])('%s', (message, said) => {
    expect(refusal(new Error(message), 'X')).toMatch(said);
  });

  it('reads the node error a cluster client keeps, and says nothing of an outage', () => {
    const wrapped = Object.assign(new Error('Failed to refresh slots cache.'), {
      lastNodeError: new Error('WRONGPASS invalid username-password pair'),
    });
    expect(refusal(wrapped, 'X')).toMatch(/WRONGPASS/);
    expect(refusal(new Error('connect ECONNREFUSED 127.0.0.1:6379'), 'X')).toBeUndefined();
    expect(refusal(new Error('Command timed out'), 'X')).toBeUndefined();
  });
});
