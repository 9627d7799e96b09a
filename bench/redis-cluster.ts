// Protected reads on the command with --workers 2: state in one Redis against state in a three-master Redis Cluster, each started here.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { measure, type Measurement } from './load';
import { start, type Child } from '../test/helpers/process';
import { startRedis } from '../test/helpers/redis';
import { startCluster } from '../test/helpers/redis-cluster';
import { post, sessionOf, url } from '../test/helpers/workers';

/** Protected reads per second on one Redis and on the cluster. */
export interface ClusterTiming {
  readonly single: Measurement;
  readonly cluster: Measurement;
}

/**
 * Builds the command, starts one redis-server and a three-master cluster,
 * and for each runs `mixnmatch --workers 2 --redis URL`, logs in once, and
 * loads GET of a protected file with that session (each read a session
 * lookup in Redis) over `connections` connections for `duration` seconds.
 * Resolves to `undefined` (with why, through `skip`) where redis-server is
 * missing.
 */
export async function timeRedisCluster(options: {
  duration: number;
  connections: number;
  skip: (why: string) => void;
}): Promise<ClusterTiming | undefined> {
  const root = path.join(__dirname, '..');
  // The command as users run it, built now: never a stale build.
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root });
  let single: Awaited<ReturnType<typeof startRedis>>;
  try {
    single = await startRedis();
  } catch (err) {
    options.skip(`no redis-server: ${(err as Error).message}`);
    return undefined;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'mixnmatch-bench-cluster-'));
  mkdirSync(path.join(dir, 'secret'));
  writeFileSync(path.join(dir, 'secret', 'page.txt'), 'protected');
  const users = path.join(dir, '.users.json');
  writeFileSync(users, JSON.stringify([{ username: 'ann', password: 'annie-password' }]));
  const cluster = await startCluster().catch((err: Error) => {
    options.skip(`no Redis Cluster: ${err.message}`);
    return undefined;
  });
  const read = async (redisUrl: string): Promise<Measurement> => {
    const command: Child = start(
      [
        '--workers',
        '2',
        '--redis',
        redisUrl,
        '-p',
        '0',
        '-r',
        dir,
        '-S',
        'bench',
        '--users',
        users,
      ],
      dir,
    );
    try {
      const base = await url(command);
      const cookie = sessionOf(await post(base, '/login', 'username=ann&password=annie-password'));
      const port = Number(new URL(base).port);
      const request = { path: '/secret/page.txt', headers: { cookie } };
      await measure(port, request, { connections: options.connections, duration: 0.5 });
      return await measure(port, request, {
        connections: options.connections,
        duration: options.duration,
      });
    } finally {
      command.process.kill('SIGTERM');
      await command.exited;
    }
  };
  try {
    if (!cluster) return undefined;
    return { single: await read(single.url), cluster: await read(cluster.url) };
  } finally {
    await cluster?.stop();
    await single.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
