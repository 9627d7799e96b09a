// The command's settings in one table: each flag's spelling, config key, help, default, whether it names a file, and which factory options it sets.
import { REFLECT_TOOLS } from '../reflect';

/** What a setting's value is: see {@link Flag.type}. */
export type FlagType =
  | 'string'
  | 'boolean'
  | 'strings'
  | { integer: readonly [min: number, max: number] }
  | 'number'
  | 'checked later';

/** One setting of the command: a row of {@link FLAGS}. */
export interface Flag {
  /** The flag as commander takes it (`-p, --port <port>`; `--no-listing` turns `listing` off). */
  readonly flags: string;
  /** Its key in a config file and in the parsed values (commander's attribute name). */
  readonly key: string;
  /** What `--help` says of it. */
  readonly help: string;
  /** The default commander fills in (most settings default in the configuration instead). */
  readonly default?: string;
  /**
   * What its value is, checked alike from the command line and the config
   * file: a non-empty string, true or false, a list of non-empty strings (a
   * single one taken as a list), an integer in a range (digits taken as a
   * number), a number passed on for its factory to check, or anything the
   * configuration checks itself.
   */
  readonly type: FlagType;
  /** A file or folder: relative to the config file when given there. */
  readonly path?: true;
  /**
   * The factory options it sets, as `feature.option` (`cache.maxSize`): a
   * factory's refusal of one is told in the words the user wrote (the flag,
   * or the config file's key).
   */
  readonly sets?: readonly string[];
  /**
   * The factory option its value is handed to as it is (`capture.bodyLimit`):
   * such a setting needs no code beyond its row.
   */
  readonly passes?: string;
  /** The setting (config key) it needs: given without that one, a usage error. */
  readonly needs?: string;
}

/**
 * Every flag of the command, in `--help`'s order. Adding a setting is a row
 * here (and what it does in the configuration): commander's options, the
 * config file's keys and paths, and the naming of factory errors all come
 * from this table.
 */
export const FLAGS: readonly Flag[] = [
  {
    flags: '-a, --address <ip>',
    key: 'address',
    type: 'string',
    help: 'address to listen on',
    default: '127.0.0.1',
  },
  {
    flags: '-p, --port <port>',
    key: 'port',
    type: { integer: [0, 65535] },
    help: 'port to listen on (default: 58080, or 58443 with TLS)',
  },
  {
    flags: '-r, --root <dir>',
    key: 'root',
    type: 'string',
    help: 'folder to serve (default: the working folder)',
    path: true,
    sets: ['createApp.root'],
  },
  {
    flags: '-S, --secrets <path...>',
    key: 'secrets',
    type: 'strings',
    help: 'paths that need a session; a leading / anchors at the root, else a whole segment anywhere',
    sets: ['auth.secrets'],
  },
  {
    flags: '-H, --header <header...>',
    key: 'header',
    type: 'strings',
    help: "header sent on every response, as 'Name: value'",
    sets: ['headers'],
  },
  {
    flags: '--cacheable <regex>',
    key: 'cacheable',
    type: 'string',
    help: 'paths browsers may cache; every other response is sent no-cache (default: \\.js$)',
    sets: ['createApp.cacheable'],
  },
  {
    flags: '--no-cacheable',
    key: 'cacheable',
    type: 'string',
    help: 'send every response no-cache',
  },
  {
    flags: '--max-cache-size <bytes>',
    key: 'maxCacheSize',
    type: 'number',
    help: 'bytes of page data /cache keeps (default: 2097152)',
    sets: ['cache.maxSize', 'cache.bodyLimit'],
  },
  {
    flags: '--status-codes <codes>',
    key: 'statusCodes',
    type: 'string',
    help: "the cache's status codes: http (409, 404, 410, 507, 415) or mixnmatchttp (the original's 500s and 400)",
    sets: ['cache.statusCodes'],
  },
  {
    flags: '--no-listing',
    key: 'listing',
    type: 'boolean',
    help: 'do not list folders without index.html',
  },
  {
    flags: '--follow-symlinks',
    key: 'followSymlinks',
    type: 'boolean',
    help: 'serve files that symbolic links lead to outside the root (unsafe: a link then serves anything it points to)',
  },
  {
    flags: '--allowed-origins <origin...>',
    key: 'allowedOrigins',
    type: 'strings',
    help: "CORS: origins allowed, or '*' (default: *)",
    sets: ['cors.origins'],
  },
  {
    flags: '--allow-all-origins',
    key: 'allowAllOrigins',
    type: 'boolean',
    help: "CORS: echo back any request's Origin",
  },
  {
    flags: '--allowed-headers <header...>',
    key: 'allowedHeaders',
    type: 'strings',
    help: 'CORS: headers allowed in requests (default: Accept, Accept-Language, Content-Language, Content-Type, Authorization)',
    sets: ['cors.allowedHeaders'],
  },
  {
    flags: '--allowed-methods <method...>',
    key: 'allowedMethods',
    type: 'strings',
    help: "CORS: methods allowed (default: each resource's own)",
    sets: ['cors.allowedMethods'],
  },
  {
    flags: '--allow-credentials',
    key: 'allowCredentials',
    type: 'boolean',
    help: 'CORS: allow credentials',
  },
  { flags: '--no-cors', key: 'cors', type: 'boolean', help: 'send no CORS headers' },
  {
    flags: '--tls',
    key: 'tls',
    type: 'boolean',
    help: 'serve HTTPS with a self-signed certificate for localhost/127.0.0.1 made at start',
  },
  {
    flags: '--tls-cert <file>',
    key: 'tlsCert',
    type: 'string',
    help: 'serve HTTPS with this PEM certificate (with --tls-key)',
    path: true,
  },
  {
    flags: '--tls-key <file>',
    key: 'tlsKey',
    type: 'string',
    help: 'the PEM private key for --tls-cert',
    path: true,
  },
  {
    flags: '-l, --log <file>',
    key: 'log',
    type: 'string',
    help: "request log: a file appended to, or '-' for stdout (a file is reopened on SIGHUP)",
    path: true,
  },
  {
    flags: '--error-log <file>',
    key: 'errorLog',
    type: 'string',
    help: 'errors and start and stop events, each line stamped with its time, to this file instead of stderr (reopened on SIGHUP)',
    path: true,
  },
  {
    flags: '--log-bodies',
    key: 'logBodies',
    type: 'boolean',
    help: 'log whole requests (line, headers, body up to 64 KiB)',
  },
  {
    flags: '--log-format <format>',
    key: 'logFormat',
    type: 'string',
    help: 'request log format: text or json',
    default: 'text',
  },
  {
    flags: '--users <file>',
    key: 'users',
    type: 'string',
    help: 'credential mode: users from a JSON list of { username, password | passwordHash, roles }, or lines of username:password[:role,role] (see mixnmatch add-user)',
    path: true,
    sets: ['auth.users'],
  },
  {
    flags: '--register',
    key: 'register',
    type: 'boolean',
    help: 'credential mode: let anyone POST /register',
    sets: ['auth.register'],
  },
  {
    flags: '--reflect',
    key: 'reflect',
    type: 'boolean',
    help: `go-httpbin's request and response tools: ${REFLECT_TOOLS.map((tool) => tool.usage.split('?')[0]).join(', ')}`,
  },
  {
    flags: '--same-site <value>',
    key: 'sameSite',
    type: 'string',
    help: 'SameSite of the session cookie: none (with Secure, so it is sent cross-site), lax or strict (default: none sent)',
  },
  {
    flags: '--jwt',
    key: 'jwt',
    type: 'boolean',
    help: 'token mode: POST /login answers JWT access and refresh tokens (HS256, a secret made at start)',
  },
  {
    flags: '--jwt-key <file>',
    key: 'jwtKey',
    type: 'string',
    help: 'token mode with this PEM private key (ES256, RS256, EdDSA) or secret',
    path: true,
    sets: ['auth.tokens'],
  },
  {
    flags: '--jwt-access-ttl <seconds>',
    key: 'jwtAccessTtl',
    type: { integer: [1, 31_536_000] },
    help: 'access-token lifetime (default: 900)',
  },
  {
    flags: '--jwt-refresh-ttl <seconds>',
    key: 'jwtRefreshTtl',
    type: { integer: [1, 31_536_000] },
    help: 'refresh-token lifetime (default: 86400)',
  },
  {
    flags: '--templates <dir>',
    key: 'templates',
    type: 'string',
    path: true,
    sets: ['templates.pagesDir'],
    help: 'serve the pages in this folder at /templates/NAME?FIELD=value ($FIELD filled from the query), read again when they change',
  },
  {
    flags: '--redis <url>',
    key: 'redis',
    type: 'string',
    help: 'keep sessions, pages, users and lockout counts in Redis, shared by every worker and instance: redis://host:port, a cluster (redis+cluster://host:port,host:port) or a master its Sentinels watch (redis+sentinel://host:26379,host:26379/name)',
  },
  {
    flags: '--redis-prefix <prefix>',
    key: 'redisPrefix',
    needs: 'redis',
    type: 'string',
    help: 'prefix of every Redis key (default: mixnmatch:)',
  },
  {
    flags: '--pidfile <file>',
    key: 'pidfile',
    type: 'string',
    path: true,
    help: "write the server's PID to this file while it runs, removed at stop (a stale one is replaced; see mixnmatch status|stop)",
  },
  {
    flags: '--workers <n>',
    key: 'workers',
    type: { integer: [1, 64] },
    help: 'worker processes serving one port (more than 1 needs --redis)',
  },
  {
    flags: '--capture [all]',
    key: 'capture',
    type: 'checked later',
    help: "capture bins: GET /bin/new makes one, any request to /bin/ID is kept and shown live at the dashboard; 'all' records every request too",
  },
  {
    flags: '--capture-file <file>',
    key: 'captureFile',
    needs: 'capture',
    type: 'string',
    help: 'keep captured hits in this file (JSON lines), reloaded at start',
    path: true,
  },
  {
    flags: '--capture-body-limit <bytes>',
    key: 'captureBodyLimit',
    type: 'number',
    needs: 'capture',
    passes: 'capture.bodyLimit',
    help: 'the most bytes of a request body a hit keeps; 0 keeps none (default: 65536)',
  },
  {
    flags: '--capture-token <token>',
    key: 'captureToken',
    needs: 'capture',
    type: 'string',
    help: 'the token the dashboard asks for (default: none on a loopback address, else one made at start)',
  },
  {
    flags: '--dashboard-prefix <path>',
    key: 'dashboardPrefix',
    needs: 'capture',
    type: 'string',
    help: 'where the dashboard is served (default: /_mixnmatch)',
  },
];

/**
 * Settings a config file holds that have no flag: ordered access rules
 * (a list of objects is no command-line value).
 */
export const FILE_ONLY: readonly Flag[] = [
  {
    flags: '',
    key: 'rules',
    type: 'checked later',
    help: 'ordered access rules',
    sets: ['auth.rules'],
  },
];

/** The keys a config file may use: every flag's, and the file-only ones. */
export const CONFIG_KEYS: readonly string[] = [
  ...new Set([...FLAGS, ...FILE_ONLY].map((flag) => flag.key)),
];

/** Config keys that name files or folders: relative to the config file. */
export const PATH_KEYS: ReadonlySet<string> = new Set(
  FLAGS.filter((flag) => flag.path).map((flag) => flag.key),
);

/** Which config key sets each factory option, by `feature.option`. */
export const OPTION_SOURCES: Readonly<Record<string, string>> = Object.fromEntries(
  [...FLAGS, ...FILE_ONLY].flatMap((flag) =>
    [...(flag.sets ?? []), ...(flag.passes ? [flag.passes] : [])].map((set) => [set, flag.key]),
  ),
);

/** The flag of a config key as a usage line names it: `--redis URL`, `--capture`. */
export function flagOf(key: string): string {
  const flag = FLAGS.find((row) => row.key === key && !row.flags.includes('--no-'));
  const match = flag && /(--[a-z-]+)(?: <(\w+)[.]*>)?/.exec(flag.flags);
  if (!match) return key;
  return match[2] ? `${match[1]} ${match[2].toUpperCase()}` : match[1]!;
}
