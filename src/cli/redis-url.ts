// What --redis names: one Redis (redis://), a Redis Cluster (redis+cluster://) or a master its Sentinels watch (redis+sentinel://).

/** A host and port of a Redis node or Sentinel. */
export interface RedisAddress {
  host: string;
  port: number;
}

/** Where the command's Redis is, as `--redis` gives it. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | {
      kind: 'cluster';
      nodes: RedisAddress[];
      username?: string;
      password?: string;
      tls: boolean;
    }
  | {
      kind: 'sentinel';
      sentinels: RedisAddress[];
      name: string;
      db: number;
      username?: string;
      password?: string;
      sentinelPassword?: string;
      tls: boolean;
    };

/** Why `--redis` is not a URL the command takes; the message says what is. */
export class RedisUrlError extends Error {}

const FORMS =
  'redis://HOST:PORT, rediss://…, redis+cluster://HOST:PORT,HOST:PORT or redis+sentinel://HOST:PORT,HOST:PORT/MASTER';

/**
 * A Redis URL to print, its secrets left out: the user and password (all
 * before the last `@`: a password may hold `/`, `?` or `@`) and the values
 * of `password` and `sentinelPassword` options.
 */
export function redactUrl(url: string): string {
  const scheme = /^[a-z+]+:\/\//i.exec(url)?.[0] ?? '';
  let rest = url.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  if (at !== -1) rest = `***${rest.slice(at)}`;
  return scheme + rest.replace(/([?&](?:password|sentinelPassword)=)[^&]*/gi, '$1***');
}

/**
 * Reads `--redis`: `redis://` and `rediss://` as ioredis takes them (user,
 * password, database); `redis+cluster://[user:password@]host:port,…` (any
 * nodes of the cluster: the client finds the rest); and
 * `redis+sentinel://[user:password@]host:port,…/master[/db]` (the
 * Sentinels, and the name they watch the master by; the credentials are the
 * master's, `?sentinelPassword=` the Sentinels'). `rediss+…` is the same
 * over TLS.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const scheme = /^(rediss?)(\+cluster|\+sentinel)?:\/\//i.exec(url);
  if (!scheme || /\s/.test(url))
    throw new RedisUrlError(
      'not a redis:// or rediss:// URL, nor redis+cluster://HOST:PORT,HOST:PORT or redis+sentinel://HOST:PORT,HOST:PORT/MASTER',
    );
  const tls = scheme[1]!.toLowerCase() === 'rediss';
  const kind = scheme[2]?.toLowerCase();
  if (kind === undefined) return { kind: 'single', url };
  let rest = url.slice(scheme[0].length);
  // The user and password are all before the last `@` (a password may hold `/`, `?` or `@`).
  const at = rest.lastIndexOf('@');
  const credentials = at === -1 ? undefined : rest.slice(0, at);
  rest = rest.slice(at + 1);
  let query = '';
  const mark = rest.indexOf('?');
  if (mark !== -1) {
    query = rest.slice(mark + 1);
    rest = rest.slice(0, mark);
  }
  const slash = rest.indexOf('/');
  const hosts = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1);
  const auth = credentialsOf(credentials);
  const addresses = hosts
    .split(',')
    .map((one, i, all) => addressOf(one, kind === '+cluster' ? 6379 : 26379, i, all.length));
  const params = new URLSearchParams(query);
  const known = kind === '+cluster' ? [] : ['sentinelPassword'];
  const unknown = [...params.keys()].filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new RedisUrlError(
      `unknown option ${unknown.map((name) => `"${name}"`).join(', ')} (${kind === '+cluster' ? 'a cluster URL takes none' : 'a Sentinel URL takes sentinelPassword'})`,
    );
  }
  if (kind === '+cluster') {
    if (path !== '') {
      throw new RedisUrlError(
        'a Redis Cluster has no database or name after its nodes: give redis+cluster://HOST:PORT,HOST:PORT',
      );
    }
    return { kind: 'cluster', nodes: addresses, ...auth, tls };
  }
  const [name, db, ...extra] = path.split('/');
  if (!name || extra.length > 0 || (db !== undefined && !/^\d{1,2}$/.test(db))) {
    throw new RedisUrlError(
      `a Sentinel URL names the master after the Sentinels, and may add a database: redis+sentinel://HOST:26379,HOST:26379/MASTER[/DB] (got "/${path}")`,
    );
  }
  const sentinelPassword = params.get('sentinelPassword');
  return {
    kind: 'sentinel',
    sentinels: addresses,
    name: decoded(name, 'the master name'),
    db: db === undefined ? 0 : Number(db),
    ...auth,
    ...(sentinelPassword !== null ? { sentinelPassword } : {}),
    tls,
  };
}

/** A percent-encoded part of the URL, decoded; one that does not decode is refused without being shown. */
function decoded(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RedisUrlError(`${what} is not percent-encoded properly (a % must start %XX)`);
  }
}

function credentialsOf(text: string | undefined): { username?: string; password?: string } {
  if (text === undefined || text === '') return {};
  const colon = text.indexOf(':');
  const username = decoded(colon === -1 ? text : text.slice(0, colon), 'the user or password');
  const password =
    colon === -1 ? undefined : decoded(text.slice(colon + 1), 'the user or password');
  // `redis+cluster://:secret@…`: a password alone, as in a redis:// URL.
  if (password === undefined) return { password: username };
  return { ...(username !== '' ? { username } : {}), password };
}

function addressOf(text: string, defaultPort: number, i: number, of: number): RedisAddress {
  const match = /^(\[[0-9a-f:.]+\]|[^\s:[\]/@?]+)(?::(\d{1,5}))?$/i.exec(text);
  const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
  if (!match || port < 1 || port > 65535) {
    // Not shown: a mistyped URL may put a password where a host should be.
    throw new RedisUrlError(
      `${of === 1 ? 'the address' : `address ${i + 1} of ${of}`} is not a HOST:PORT (give ${FORMS})`,
    );
  }
  return { host: match[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}
