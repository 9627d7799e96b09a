// A real Redis Cluster (three masters) and a real Sentinel set for the tests: Debian's redis-server on free loopback ports, stopped by PID.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis, { Cluster } from 'ioredis';
import type { SendCommand } from 'mixnmatch';
import { freePort, spawnRedis, testPrefix, type RedisProcess } from './redis';

const run = promisify(execFile);

/** A running cluster of three masters (no replicas) and an ioredis Cluster client of it. */
export interface TestCluster {
  readonly nodes: RedisProcess[];
  /** `redis+cluster://127.0.0.1:P1,…`, as the command takes it. */
  readonly url: string;
  readonly client: Cluster;
  readonly send: SendCommand;
  prefix(): string;
  /** Runs `args` on every master (a client of each, for that one command). */
  onEveryNode(args: string[]): Promise<unknown[]>;
  /** How many keys each master holds. */
  keysPerNode(): Promise<number[]>;
  /** Stops master `i` and starts it again on its port, empty (no persistence) but with its slots; resolves once the cluster is ok. */
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

/** Asks one node until `check` holds for its answer to `args` (cluster state spreads by gossip). */
async function until(
  port: number,
  args: string[],
  check: (reply: string) => boolean,
): Promise<void> {
  const node = new Redis({ port, host: '127.0.0.1' });
  try {
    for (;;) {
      const reply = String(await node.call(args[0]!, ...args.slice(1)));
      if (check(reply)) return;
      // Gossip moves in rounds of about 100 ms; asking again is waiting for it.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    node.disconnect();
  }
}

/** Starts three masters with cluster mode on, joins them with `redis-cli --cluster create`, and waits for `cluster_state:ok`. */
export async function startCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mixnmatch-cluster-'));
  const nodes: RedisProcess[] = [];
  const settings: string[][] = [];
  const ok = async () => {
    for (const node of nodes) {
      await until(node.port, ['CLUSTER', 'INFO'], (info) => info.includes('cluster_state:ok'));
    }
  };
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const bus = await freePort();
      settings.push([
        '--cluster-enabled',
        'yes',
        '--cluster-port',
        String(bus),
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        '--dir',
        dir,
      ]);
      nodes.push(await spawnRedis(port, settings[i]!));
    }
    const addresses = nodes.map((node) => `127.0.0.1:${node.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-yes']);
    await ok();
  } catch (err) {
    await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const client = new Cluster(nodes.map((node) => ({ host: '127.0.0.1', port: node.port })));
  const each = async (args: string[]) =>
    Promise.all(
      nodes.map(async (node) => {
        const one = new Redis({ port: node.port, host: '127.0.0.1' });
        try {
          return await one.call(args[0]!, ...args.slice(1));
        } finally {
          one.disconnect();
        }
      }),
    );
  return {
    nodes,
    url: `redis+cluster://${nodes.map((node) => `127.0.0.1:${node.port}`).join(',')}`,
    client,
    send: (args) => client.call(args[0]!, ...args.slice(1)),
    prefix: testPrefix,
    onEveryNode: each,
    keysPerNode: async () => (await each(['DBSIZE'])).map(Number),
    async restart(i) {
      const { port } = nodes[i]!;
      await nodes[i]!.stop();
      nodes[i] = await spawnRedis(port, settings[i]!);
      await ok();
    },
    async stop() {
      client.disconnect();
      await Promise.all(nodes.map((node) => node.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A master, its replica and three Sentinels watching them as `mymaster`. */
export interface TestSentinel {
  master: RedisProcess;
  replica: RedisProcess;
  sentinels: RedisProcess[];
  /** `redis+sentinel://127.0.0.1:S1,…/mymaster`, as the command takes it. */
  readonly url: string;
  /** Asks the Sentinels to fail over (once the replica has every write), and resolves once they have switched to it. */
  failover(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a master, a replica of it and three Sentinels, and resolves once every Sentinel knows the replica. */
export async function startSentinel(): Promise<TestSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'mixnmatch-sentinel-'));
  const started: RedisProcess[] = [];
  try {
    const master = await spawnRedis(await freePort(), ['--dir', dir]);
    started.push(master);
    const replica = await spawnRedis(await freePort(), [
      '--dir',
      dir,
      '--replicaof',
      '127.0.0.1',
      String(master.port),
    ]);
    started.push(replica);
    await until(replica.port, ['INFO', 'replication'], (info) =>
      info.includes('master_link_status:up'),
    );
    const sentinels: RedisProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const file = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `sentinel monitor mymaster 127.0.0.1 ${master.port} 2`,
          'sentinel down-after-milliseconds mymaster 1000',
          'sentinel failover-timeout mymaster 5000',
          '',
        ].join('\n'),
      );
      const sentinel = await spawnRedis(port, [file, '--sentinel', '--dir', dir]);
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    for (const sentinel of sentinels) {
      await until(sentinel.port, ['SENTINEL', 'REPLICAS', 'mymaster'], (reply) =>
        reply.includes(String(replica.port)),
      );
    }
    return {
      master,
      replica,
      sentinels,
      url: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/mymaster`,
      async failover() {
        const watcher = new Redis({ port: sentinels[0]!.port, host: '127.0.0.1' });
        try {
          const switched = new Promise<void>((resolve) =>
            watcher.on('message', (channel: string) => {
              if (channel === '+switch-master') resolve();
            }),
          );
          await watcher.subscribe('+switch-master');
          // Every write the master acknowledged is on the replica first.
          const primary = new Redis({ port: master.port, host: '127.0.0.1' });
          try {
            await primary.call('WAIT', '1', '5000');
          } finally {
            primary.disconnect();
          }
          const asker = new Redis({ port: sentinels[1]!.port, host: '127.0.0.1' });
          try {
            await asker.call('SENTINEL', 'FAILOVER', 'mymaster');
          } finally {
            asker.disconnect();
          }
          await switched;
        } finally {
          watcher.disconnect();
        }
      },
      async stop() {
        await Promise.all(started.map((one) => one.stop()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.all(started.map((one) => one.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
