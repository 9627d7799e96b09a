// Starting and stopping the mixnmatch server: HTTP or HTTPS, the request log, the start-up summary, a clean stop.
import cluster from 'node:cluster';
import { createWriteStream, openSync, closeSync, readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { networkInterfaces } from 'node:os';
import { createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import type { generate as Generate } from 'selfsigned';
import type { Express } from 'express';
import { createApp, type CreateAppOptions } from '../app';
import { REFLECT_TOOLS } from '../reflect';
import { OPTION_SOURCES } from './flags';
import { hasBody } from '../http/body';
import { ConfigError } from '../shared/errors';
import type { LogStream } from '../log';
import type { AccessRule } from '../access';
import type { RedisStores } from '../redis-stores';
import { FileCaptureStore } from '../capture';
import type { CaptureStore } from '../types';
import { redactUrl } from './redis';
import type { ServerConfig } from './args';

/** Where the server reports what it does. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** A start or stop event, for the error log when it is a file (stdout says it already). */
  event?(text: string): void;
}

/** A running server. */
export interface Running {
  server: Server;
  /** The URLs it answers on. */
  urls: string[];
  /** The TLS certificate's SHA-256 fingerprint, when it serves HTTPS. */
  fingerprint: string | undefined;
  /** Stops accepting connections, lets requests in flight finish, then resolves. */
  stop(): Promise<void>;
  /** Opens the request log file again by its name (SIGHUP, after logrotate moved it). */
  reopenLog(): void;
}

/** Why the server could not start, for the exit code: 1. */
export class StartError extends Error {}

/** What a file system or socket error means, in words a user reads (the code too). */
export function errnoWords(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  const words: Record<string, string> = {
    ENOENT: 'no such file or folder',
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    EISDIR: 'it is a folder',
    ENOTDIR: 'a part of the path is not a folder',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left',
    EADDRNOTAVAIL: 'no such address on this machine',
  };
  if (code !== undefined && words[code] !== undefined) return `${words[code]} (${code})`;
  return code ?? (err as Error)?.message ?? String(err);
}

/** A configuration the app refused (a bad users file), for the exit code: 2. */
export class ConfigurationError extends Error {}

/**
 * A factory's refusal in the words of the command: the flag or config key
 * the user wrote in place of the factory's option (`cache(): "maxSize" must
 * be …` → `--max-cache-size must be …`; `auth(): user "bob": …` →
 * `--users FILE: user "bob": …`).
 */
export function describeConfigError(err: ConfigError, config: ServerConfig): string {
  const key = err.option
    ? OPTION_SOURCES[`${err.feature}.${err.option.split('.')[0]}`]
    : OPTION_SOURCES[err.feature];
  const name = key && config.given[key];
  if (!name) return err.message;
  const quoted = `"${err.option}"`;
  if (err.option && err.problem.startsWith(quoted)) {
    return `${name}${err.problem.slice(quoted.length)}`;
  }
  const file =
    key !== 'users'
      ? ''
      : name.startsWith('--')
        ? ` ${config.usersFile}`
        : ` (${config.usersFile})`;
  return `${name}${file}: ${err.problem}`;
}

/** A self-signed certificate for localhost and 127.0.0.1, made now, valid for 30 days. */
export async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  // Loaded only when --tls makes a certificate (it is the heaviest of the command's packages).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { generate } = require('selfsigned') as { generate: typeof Generate };
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    notAfterDate: new Date(Date.now() + 30 * 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/**
 * Sets up a request that declares a body. With `Expect: 100-continue`
 * (`expectsContinue`) the 100 goes out only when the app first reads the
 * body, so the checks that come first (auth, a declared length past a
 * limit) give their final status without asking the client for the body.
 * A refusal (4xx, 5xx) written before the whole body came closes the
 * connection rather than wait for a body nobody will read; other answers
 * leave it to Node, which reads what is left and keeps the connection.
 */
function awaitBody(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
  if (expectsContinue) {
    const read = req._read;
    req._read = function readAfterContinue(this: IncomingMessage, size: number) {
      req._read = read;
      if (!res.headersSent) res.writeContinue();
      return read.call(this, size);
    };
  }
  const writeHead = res.writeHead;
  res.writeHead = function writeHeadClosing(this: ServerResponse, ...args: unknown[]) {
    res.writeHead = writeHead;
    if (!req.complete && this.statusCode >= 400) this.shouldKeepAlive = false;
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

/** The request log the command writes, and how to finish it. */
interface CommandLog {
  stream: LogStream;
  /** Opens the file again by its name; the one before is finished (nothing for stdout). */
  reopen(): void;
  /** Flushes and closes the file (nothing for stdout). */
  close(): Promise<void>;
}

/**
 * Opens the request log: stdout for `-`, else the file, appended to. A
 * file that cannot be opened stops the start (a {@link StartError}); one
 * that fails later (a full disk, `/dev/full`) is reported once on stderr,
 * and the server serves on without it: a request is never refused because
 * its log line could not be written.
 */
function openLog(target: string, output: Output): CommandLog {
  if (target === '-') {
    return {
      stream: { write: (chunk: string) => output.out(chunk) },
      reopen: () => undefined,
      close: async () => {},
    };
  }
  try {
    closeSync(openSync(target, 'a'));
  } catch (err) {
    throw new StartError(`--log ${target}: cannot write it: ${errnoWords(err)}`);
  }
  let failed = false;
  const open = () => {
    const opened = createWriteStream(target, { flags: 'a' });
    opened.on('error', (err: NodeJS.ErrnoException) => {
      if (failed || opened !== file) return;
      failed = true;
      output.err(
        `mixnmatch: cannot write the log ${target} (${errnoWords(err)}); serving on without it\n`,
      );
    });
    return opened;
  };
  let file = open();
  return {
    stream: {
      write(chunk: string) {
        if (!failed) file.write(chunk);
      },
    },
    reopen() {
      try {
        closeSync(openSync(target, 'a'));
      } catch (err) {
        // Logrotate left a file the server cannot open: the old one is kept.
        output.err(
          `mixnmatch: cannot reopen the log ${target} (${errnoWords(err)}); writing on to the file as it was\n`,
        );
        return;
      }
      const before = file;
      failed = false;
      file = open();
      // Lines written before are flushed to the file they were written for.
      before.end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (failed || file.destroyed) return resolve();
        file.end(() => resolve());
      }),
  };
}

/** Whether an address to listen on is this machine's loopback only. */
function loopbackAddress(address: string): boolean {
  return address === 'localhost' || address === '::1' || /^127\./.test(address);
}

/**
 * The dashboard's token: the one `--capture-token` gives, or, bound to an
 * address that is not loopback, one made at start (shared with the
 * workers, which only take it from their primary); none on loopback.
 */
export function captureToken(config: ServerConfig): string | undefined {
  if (!config.capture) return undefined;
  if (config.capture.token !== undefined) return config.capture.token;
  if (loopbackAddress(config.address)) return undefined;
  return commandSecret('MIXNMATCH_CAPTURE_TOKEN', 24);
}

/** The app options for a configuration. */
export function appOptions(
  config: ServerConfig,
  log: LogStream | undefined,
  stores?: RedisStores,
  captureStore?: CaptureStore,
): CreateAppOptions {
  const capture = config.capture;
  const token = captureToken(config);
  const options: CreateAppOptions = {
    ...(capture
      ? {
          capture: {
            all: capture.all,
            ...(stores ? { store: stores.capture } : captureStore ? { store: captureStore } : {}),
            dashboard: {
              prefix: capture.prefix,
              ...(token !== undefined ? { token } : {}),
              facts: features(config),
              secret: dashboardSecret(),
            },
          },
        }
      : {}),
    root: config.root,
    listing: config.listing,
    followSymlinks: config.followSymlinks,
    headers: config.headers,
    ...(config.cacheable !== undefined ? { cacheable: config.cacheable } : {}),
    // The command keeps the original's per-request ?origin= and ?creds= overrides.
    cors: config.cors === false ? false : { ...config.cors, overrides: true },
    auth: {
      secrets: config.secrets,
      ...(config.sameSite ? { cookie: { sameSite: config.sameSite } } : {}),
      ...(config.rules !== undefined ? { rules: config.rules as AccessRule[] } : {}),
      ...(config.users !== undefined
        ? {
            // With Redis, the users file was loaded into the shared store at start.
            users: stores ? stores.users : config.users,
            register: config.register,
            ...(stores ? { lockout: { store: stores.lockout } } : {}),
            ...(config.jwt
              ? {
                  tokens: {
                    key: config.jwt.key ?? jwtSecret(),
                    ...(config.jwt.accessTtl !== undefined
                      ? { accessTtl: config.jwt.accessTtl }
                      : {}),
                    ...(config.jwt.refreshTtl !== undefined
                      ? { refreshTtl: config.jwt.refreshTtl }
                      : {}),
                    ...(stores ? { store: stores.refreshTokens } : {}),
                  },
                }
              : {}),
          }
        : {}),
      ...(stores ? { store: stores.sessions } : {}),
    },
    reflect: config.reflect,
    ...(config.templates !== undefined ? { templates: { pagesDir: config.templates } } : {}),
    cache: {
      statusCodes: config.statusCodes,
      ...(config.maxCacheSize !== undefined ? { maxSize: config.maxCacheSize } : {}),
      ...(stores ? { store: stores.pages } : {}),
    },
    log:
      config.log && log
        ? { stream: log, format: config.log.format, bodies: config.log.bodies }
        : false,
  };
  // The settings a row of the flag table hands to a factory as they are.
  for (const [option, value] of Object.entries(config.passed)) {
    const [feature, ...path] = option.split('.');
    let at = options as Record<string, unknown>;
    for (const step of [feature!, ...path.slice(0, -1)]) {
      const next = at[step];
      at = (at[step] = typeof next === 'object' && next !== null ? next : {}) as Record<
        string,
        unknown
      >;
    }
    at[path.at(-1)!] = value;
  }
  return options;
}

/**
 * The app for a configuration. The factories check their own options (the
 * users file, the cache size, the cacheable pattern, the headers…): a
 * refusal is a {@link ConfigurationError} (exit 2) naming the flag or config
 * key the user wrote.
 */
export function buildApp(
  config: ServerConfig,
  log: LogStream | undefined,
  stores?: RedisStores,
  captureStore?: CaptureStore,
  stopping?: AbortSignal,
  report?: (text: string) => void,
): Express {
  try {
    const options = appOptions(config, log, stores, captureStore);
    if (stopping) options.cache = { ...(options.cache as object), signal: stopping };
    // A server error (a 500) is said where the command's errors go (--error-log).
    if (report) {
      options.errors = {
        log: (err: unknown) =>
          report(`mixnmatch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`),
      };
    }
    return createApp(options);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigurationError(describeConfigError(err, config));
    throw err;
  }
}

/**
 * A secret made once per command and shared with its workers: the primary
 * hands it down in the environment variable `name` to the processes it
 * forks, and only those take it from there (a variable of that name in a
 * user's environment is never a secret); gone when the command stops.
 */
const madeSecrets = new Map<string, string>();
export function commandSecret(name: string, bytes = 32): string {
  let secret = madeSecrets.get(name);
  if (secret === undefined) {
    const handedDown = cluster.isWorker ? process.env[name] : undefined;
    secret = handedDown || randomBytes(bytes).toString('base64url');
    madeSecrets.set(name, secret);
  }
  return secret;
}

/** The HS256 secret of `--jwt` without `--jwt-key`. */
export function jwtSecret(): Buffer {
  return Buffer.from(commandSecret('MIXNMATCH_JWT_SECRET'), 'base64url');
}

/** What signs the dashboard page's key, the same in every worker. */
export function dashboardSecret(): string {
  return commandSecret('MIXNMATCH_DASHBOARD_SECRET');
}

/**
 * The certificate and key of `--tls-cert` and `--tls-key`, checked: each is
 * what its flag says (a swapped pair is named so), the key is not
 * encrypted, and it is the certificate's. Throws a {@link StartError}
 * naming the file and the fix.
 */
function tlsFiles(certFile: string, keyFile: string): { cert: string; key: string } {
  const cert = readFileSync(certFile, 'utf8');
  const key = readFileSync(keyFile, 'utf8');
  const certificate = (text: string) => {
    try {
      return new X509Certificate(text);
    } catch {
      return undefined;
    }
  };
  const holdsKey = (text: string) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text);
  const parsed = certificate(cert);
  if (!parsed) {
    if (holdsKey(cert) && certificate(key)) {
      throw new StartError(
        `--tls-cert ${certFile} holds a private key and --tls-key ${keyFile} a certificate: swap them`,
      );
    }
    throw new StartError(
      `--tls-cert ${certFile} is not a PEM certificate (it should start with -----BEGIN CERTIFICATE-----)`,
    );
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key)) {
    throw new StartError(
      `--tls-key ${keyFile} is encrypted: give it without a passphrase (openssl pkey -in ${keyFile} -out key.pem)`,
    );
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new StartError(
      `--tls-key ${keyFile} is not a PEM private key (it should start with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA/EC PRIVATE KEY-----)${certificate(key) ? ': it holds a certificate' : ''}`,
    );
  }
  if (!parsed.checkPrivateKey(privateKey)) {
    throw new StartError(
      `--tls-key ${keyFile} is not the key of the certificate in --tls-cert ${certFile}: give the key the certificate was made with`,
    );
  }
  return { cert, key };
}

/** The URLs a listening address answers on: every local IPv4/IPv6 address for a wildcard. */
function urlsFor(scheme: string, address: string, port: number): string[] {
  const hosts =
    address === '0.0.0.0' || address === '::'
      ? Object.values(networkInterfaces())
          .flat()
          .filter((i) => i !== undefined && (address === '::' || i.family === 'IPv4'))
          .map((i) => i!.address)
      : [address];
  return hosts.map((host) => `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}/`);
}

/** What {@link startServer} needs besides the configuration. */
export interface StartExtras {
  /** The stores in Redis, when the configuration has `redis`. */
  stores?: RedisStores;
  /** Print no start-up summary (a worker: its primary prints one for all). */
  quiet?: boolean;
  /** The certificate `--tls` serves instead of making one (the primary made it once for every worker). */
  certificate?: { key: string; cert: string };
}

/** The start-up summary: where the server listens and which features are on. */
export function banner(
  config: ServerConfig,
  version: string,
  urls: readonly string[],
  fingerprint: string | undefined,
): string {
  const lines = [
    `mixnmatch ${version} serving ${config.root}${config.workers > 1 ? ` with ${config.workers} workers` : ''}`,
    ...urls.map((url) => `  listening on ${url}`),
    ...(fingerprint ? [`  TLS certificate SHA-256 fingerprint: ${fingerprint}`] : []),
    ...features(config).map((line) => `  ${line}`),
    ...(config.capture
      ? [
          `  dashboard: ${urls[0]!.replace(/\/$/, '')}${config.capture.prefix}/${captureToken(config) !== undefined ? `?token=${captureToken(config)!}` : ''} (${captureToken(config) !== undefined ? 'needs its token' : 'open on loopback only'})`,
        ]
      : []),
    '  try:',
    ...tryIt(config, urls[0]!.replace(/\/$/, ''), fingerprint !== undefined).map(
      (line) => `    ${line}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * One command per feature that is on, to see it answer: URLs quoted (a
 * shell reads `[::1]` and `?` as patterns), `-k` for a certificate of its
 * own, the CORS one with an origin it allows.
 */
function tryIt(config: ServerConfig, base: string, tls: boolean): string[] {
  const curl = `curl${tls ? ' -k' : ''}`;
  const at = (path: string) => `'${base}${path}'`;
  const login = config.users
    ? `${curl} -i -d 'username=NAME&password=PASSWORD' ${at('/login')}`
    : `${curl} -i ${at('/login')}`;
  const cors = config.cors;
  const origin =
    cors === false || cors.allowAllOrigins || cors.origins === '*'
      ? 'http://a.test'
      : cors.origins[0]!;
  return [
    `${login}   # auth${config.jwt ? ': tokens' : ': a SESSION cookie'}`,
    `${curl} -i ${at('/goto/https://example.com/')}   # goto: a 307`,
    `${curl} -s ${at('/cache/new')}   # cache: a fresh page name`,
    `${curl} -s -d 'data=<b>hi</b>' -d type=text/html ${at('/echo')}   # echo: the page back`,
    ...(config.reflect
      ? [`${curl} -s ${at('/anything?a=1')}   # reflect: the request as JSON`]
      : []),
    ...(config.capture
      ? [`${curl} -s ${at('/bin/new')}   # capture: a bin, its hits at the dashboard`]
      : []),
    ...(cors === false
      ? []
      : [`${curl} -si -H 'Origin: ${origin}' ${at('/')} | grep -i access-control   # CORS`]),
    `${curl} -i ${at('/')}   # files`,
  ];
}

/** One line per feature that is on, for the start-up summary. */
function features(config: ServerConfig): string[] {
  const cors = config.cors;
  const headerNames = Object.keys(config.headers);
  const jwt = config.jwt;
  return [
    ...(jwt
      ? [
          `tokens: POST /login answers access tokens (${jwt.accessTtl ?? 900} s) and refresh tokens (${jwt.refreshTtl ?? 86_400} s); POST /authtoken, /logout; Authorization: Bearer on protected paths; ${
            jwt.key === undefined
              ? `HS256 with a secret made at start${config.workers > 1 ? `, shared by the ${config.workers} workers` : ''}: tokens die with the command`
              : `signed with ${jwt.keyFile}${jwt.key.includes('-----BEGIN') ? ', public key at /.well-known/jwks.json' : ' (HS256)'}`
          }`,
        ]
      : []),
    `auth: ${
      config.users
        ? `${config.users.length} user${config.users.length === 1 ? '' : 's'}, POST /login, /changepwd${config.register ? ', /register' : ''}`
        : 'GET /login'
    }, /logout; ${config.secrets.length ? `secrets ${config.secrets.join(', ')}` : 'no secrets'}`,
    'goto: /goto/ADDRESS (307)',
    ...(config.capture
      ? [
          `capture: GET /bin/new makes a bin; any request to /bin/ID or /bin/ID/LABEL (or Host ID.…) is kept${config.capture.all ? '; every request is kept in the bin all' : ''}${config.capture.file ? `; hits in ${config.capture.file}` : config.redis ? '; hits in Redis streams' : ''}`,
        ]
      : []),
    ...(config.reflect
      ? [`reflect: ${REFLECT_TOOLS.map((tool) => tool.usage).join(', ')} (as go-httpbin)`]
      : []),
    `cache: POST /echo, /cache/NAME; up to ${config.maxCacheSize ?? 2_097_152} bytes${
      config.statusCodes === 'mixnmatchttp' ? "; the original's status codes" : ''
    }`,
    cors === false
      ? 'CORS: off'
      : `CORS: origins ${cors.allowAllOrigins ? 'echoed' : cors.origins === '*' ? '*' : cors.origins.join(' ')}, credentials ${cors.allowCredentials ? 'on' : 'off'}; ?origin= and ?creds= override`,
    `no-cache: every response${config.cacheable !== undefined ? ` but paths matching /${config.cacheable}/` : ''}`,
    `files: ${config.root}${config.listing ? ', folders listed' : ''}${config.followSymlinks ? ', symbolic links followed out of it (unsafe)' : ''}`,
    // Token mode sets no cookie: its tokens travel in Authorization headers.
    ...(config.jwt
      ? []
      : [
          `cookies: SESSION; ${
            config.sameSite === 'none'
              ? 'SameSite=None; Secure (sent on cross-site requests, also over plain http to localhost and 127.0.0.1)'
              : config.sameSite
                ? `SameSite=${config.sameSite === 'lax' ? 'Lax' : 'Strict'}`
                : 'no SameSite (browsers treat it as Lax)'
          }. Cross-site to a browser: another host name (localhost and 127.0.0.1 are two sites) or http vs https; other ports of one host are the same site`,
        ]),
    config.redis
      ? `state: Redis at ${redactUrl(config.redis.url)} (keys ${config.redis.prefix}…): sessions, pages, users and lockout counts shared${config.workers > 1 ? ` by ${config.workers} workers` : ''}`
      : "state: this process's memory (forgotten on restart)",
    ...(headerNames.length ? [`headers: ${headerNames.join(', ')}`] : []),
    ...(config.log
      ? [
          `log: ${config.log.target === '-' ? 'stdout' : config.log.target} (${config.log.format}${config.log.bodies ? ', whole requests' : ''})`,
        ]
      : []),
  ];
}

/**
 * Counts the requests in flight on each connection of `server`. The function
 * returned ends every connection that serves none (a keep-alive connection
 * between requests, or one a browser opened ahead of a request it may never
 * send), and from then on each other one as its last answer is sent.
 */
function trackConnections(server: Server, event: 'connection' | 'secureConnection'): () => void {
  const inFlight = new Map<Socket, number>();
  let ending = false;
  // Flushes what was written, then closes without waiting for the peer's half of the close.
  const end = (socket: Socket) => socket.end(() => socket.destroy());
  server.on(event, (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      // A connection that closed first is gone from the map; keep it gone.
      const count = inFlight.get(socket);
      if (count === undefined) return;
      const left = count - 1;
      inFlight.set(socket, left);
      if (ending && left === 0) end(socket);
    });
  });
  return () => {
    ending = true;
    for (const [socket, count] of inFlight) if (count === 0) end(socket);
  };
}

/**
 * Starts the server for a configuration and prints where it listens and
 * which features are on. Rejects with a {@link StartError} when it cannot
 * listen (the port is in use) or open its log, and with a
 * {@link ConfigurationError} when the app refuses the configuration.
 */
export async function startServer(
  config: ServerConfig,
  version: string,
  output: Output,
  extras: StartExtras = {},
): Promise<Running> {
  if (!extras.quiet) {
    for (const warning of config.warnings) output.err(`mixnmatch: warning: ${warning}\n`);
  }
  const log = config.log ? openLog(config.log.target, output) : undefined;
  const captureFile = config.capture?.file;
  let captureStore: FileCaptureStore | undefined;
  if (captureFile !== undefined && !extras.stores) {
    try {
      let warned = false;
      captureStore = new FileCaptureStore(captureFile, {
        onError: (err) => {
          if (warned) return;
          warned = true;
          output.err(
            `mixnmatch: cannot write the capture file ${captureFile} (${errnoWords(err)}); hits are kept in memory only\n`,
          );
        },
      });
    } catch (err) {
      throw new StartError(`--capture-file ${captureFile}: cannot use it: ${errnoWords(err)}`);
    }
  }
  // Long polls (?wait=) are answered at once when the server stops, not waited for.
  const stopping = new AbortController();
  const app = buildApp(config, log?.stream, extras.stores, captureStore, stopping.signal, (text) =>
    output.err(text),
  );
  let scheme = 'http';
  let server: Server;
  let fingerprint: string | undefined;
  if (config.tls) {
    scheme = 'https';
    const pems =
      'generate' in config.tls
        ? (extras.certificate ?? (await selfSignedCertificate()))
        : tlsFiles(config.tls.certFile, config.tls.keyFile);
    try {
      server = createHttpsServer({ key: pems.key, cert: pems.cert }, app) as unknown as Server;
    } catch (err) {
      throw new StartError(`cannot use the TLS certificate and key: ${(err as Error).message}`);
    }
    fingerprint = new X509Certificate(pems.cert).fingerprint256;
  } else {
    server = createHttpServer(app);
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const where = `${config.address}:${config.port}`;
      reject(
        new StartError(
          err.code === 'EADDRINUSE'
            ? `port ${config.port} on ${config.address} is in use: choose another with -p PORT, or -p 0 for any free one`
            : err.code === 'EACCES'
              ? `not allowed to listen on ${where}`
              : `cannot listen on ${where}: ${errnoWords(err)}`,
        ),
      );
    };
    server.once('error', onError);
    server.listen(config.port, config.address, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urls = urlsFor(scheme, config.address, port);

  if (!extras.quiet) output.out(banner(config, version, urls, fingerprint));

  // A request with a body: `Expect: 100-continue` is answered 100 only
  // when the app starts reading the body, and an answer given before all
  // of it came closes the connection.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (hasBody(req)) awaitBody(req, res, false);
  });
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (hasBody(req)) awaitBody(req, res, true);
    server.emit('request', req, res);
  });
  const endIdleConnections = trackConnections(
    server,
    config.tls ? 'secureConnection' : 'connection',
  );
  const stop = () =>
    new Promise<void>((resolve) => {
      stopping.abort();
      server.close(() => {
        captureStore?.close();
        if (log) void log.close().then(resolve);
        else resolve();
      });
      // Connections with no request in flight would hold the close open; busy ones finish first.
      endIdleConnections();
    });
  return { server, urls, fingerprint, stop, reopenLog: () => log?.reopen() };
}
