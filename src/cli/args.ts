// The mixnmatch command's options: flags and a JSON config file, merged and checked into a server configuration.
import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { UserEntry } from '../accounts';
import { didYouMean } from '../shared/options';
import { CONFIG_KEYS, FILE_ONLY, FLAGS, flagOf, PATH_KEYS } from './flags';
import { parseRedisUrl, redactUrl, RedisUrlError } from './redis-url';
import { readUsersFile } from './users-file';
import { expandEnv, readConfigFile } from './config-file';

/** Everything the command needs to start a server. */
export interface ServerConfig {
  address: string;
  port: number;
  root: string;
  secrets: string[];
  headers: Record<string, string | string[]>;
  /** Source of the RegExp of paths browsers may cache; undefined: none (everything no-cache). */
  cacheable: string | undefined;
  maxCacheSize: number | undefined;
  /** The cache's status codes: distinct ones, or the original's (500s). */
  statusCodes: 'http' | 'mixnmatchttp';
  listing: boolean;
  /** Serve what links lead to outside the root (unsafe). */
  followSymlinks: boolean;
  cors:
    | false
    | {
        origins: '*' | string[];
        allowAllOrigins: boolean;
        allowedHeaders: string[] | undefined;
        allowedMethods: string[] | undefined;
        allowCredentials: boolean;
      };
  /** TLS: a generated self-signed certificate, or files. */
  tls: { generate: true } | { certFile: string; keyFile: string } | undefined;
  /** The request log: `-` for stdout, else a file appended to. */
  log: { target: string; bodies: boolean; format: 'text' | 'json' } | undefined;
  /** Credential mode: the users read from `--users FILE` (checked by auth() when the server starts). */
  users: UserEntry[] | undefined;
  /** The users file those came from. */
  usersFile: string | undefined;
  /** Open `POST /register` (credential mode). */
  register: boolean;
  /** Serve reflect()'s request and response tools (go-httpbin's /anything, /status, …). */
  reflect: boolean;
  /** The session cookie's SameSite attribute. */
  sameSite: 'none' | 'lax' | 'strict' | undefined;
  /** Keep every store in Redis: its URL and the key prefix. */
  redis: { url: string; prefix: string } | undefined;
  /** How many worker processes serve the port (1: this process itself). */
  workers: number;
  /** Where the server's PID is written while it runs (`--pidfile`). */
  pidfile: string | undefined;
  /** A folder of template pages to serve at /templates/NAME (`--templates`). */
  templates: string | undefined;
  /** Where errors and start and stop events go instead of stderr (`--error-log`). */
  errorLog: string | undefined;
  /** `--save-config FILE`: the configuration as given, to write there before serving. */
  save?: { file: string; options: Record<string, unknown> };
  /**
   * Token mode: the key (a PEM private key or a secret from `--jwt-key`, or
   * `undefined` for a secret made at start) and the lifetimes, in seconds.
   */
  jwt:
    | {
        key: Buffer | undefined;
        keyFile: string | undefined;
        accessTtl: number | undefined;
        refreshTtl: number | undefined;
      }
    | undefined;
  /** Ordered access rules, from the config file's `rules`. */
  rules: unknown[] | undefined;
  /** Capture bins: every request too (`all`), a file that keeps the hits, the dashboard's token and prefix. */
  capture:
    | { all: boolean; file: string | undefined; token: string | undefined; prefix: string }
    | undefined;
  /** Warnings to print at start (plain passwords in the users file). */
  warnings: string[];
  /** The values of settings handed to a factory as they are, by `feature.option` (see `Flag.passes`). */
  passed: Record<string, unknown>;
  /**
   * How the user wrote each option given, by config key: the flag
   * (`--max-cache-size`) or the key in the config file (`"maxCacheSize" in
   * mixnmatch.json`), so that an error names what the user wrote.
   */
  given: Record<string, string>;
}

/** The outcome of reading the command line: a configuration, or output to print and an exit code. */
export type ParsedArgs =
  | { kind: 'run'; config: ServerConfig }
  | { kind: 'exit'; code: number; stdout: string; stderr: string };

/** A bad option or value: reported in one line with the usage, exit code 2. */
class UsageError extends Error {}

const DESCRIPTION = `Serve a folder with every mixnmatch feature on: canonical paths, login/logout
sessions and protected paths, /goto redirects, the /cache and /echo page cache,
CORS, custom and no-cache headers, folder listings and a request log.
Per request, ?origin=ORIGIN|{ECHO} and ?creds=0|1 override the CORS answer.`;

/** The command's definition, its options from {@link FLAGS}. `version` is printed by --version. */
function program(version: string): Command {
  const command = new Command('mixnmatch')
    .description(DESCRIPTION)
    .version(version, '--version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit');
  for (const flag of FLAGS) {
    const option = new Option(flag.flags, flag.help);
    command.addOption(flag.default === undefined ? option : option.default(flag.default));
    // A switch a config file turns on can be turned off for one run: --no-tls.
    const long = /--([a-z][\w-]*)/.exec(flag.flags)?.[1];
    if (flag.type === 'boolean' && long !== undefined && !long.startsWith('no-')) {
      command.addOption(new Option(`--no-${long}`, `turn ${long} off`).hideHelp());
    }
  }
  return command
    .addOption(
      new Option(
        '-c, --config <file>',
        'JSON or YAML (.yaml, .yml) file with the same options in camelCase (maxCacheSize, allowedOrigins, …), $VAR and ${VAR} taken from the environment; flags override it',
      ),
    )
    .addOption(
      new Option(
        '--save-config <file>',
        'write the configuration as given (flags and the config file, $VARs kept) to FILE, JSON or YAML by its name, then serve',
      ),
    )
    .addHelpText(
      'after',
      `
Every switch (--tls, --jwt, …) has a --no-… form, to turn off for one run what a
config file turns on.

Commands:
  hash-password          read a password from stdin and print its scrypt hash,
                         for the "passwordHash" of a --users file
                         (printf '%s' 'pw' | mixnmatch hash-password)
  add-user FILE NAME [--roles a,b] [--random]
                         add a user to a users file, the password read
                         without echo (or a random one, printed once)
  status --pidfile FILE  whether the server FILE names runs (exit 0; 3: none)
  stop --pidfile FILE    stop that server and wait for it (exit 0; 3: none ran)`,
    )
    .allowExcessArguments(false)
    .showSuggestionAfterError(true);
}

/** How the configuration reads a setting: its value checked against its row, once. */
type Read = (key: string) => unknown;

/**
 * A reader of the settings given (from the command line and the config
 * file alike): each value is checked against its row's type when the
 * configuration first reads it (so problems are found in the configuration's
 * order), a single string taken as a list, digits as a number; a setting
 * given without one it `needs` is a usage error, named as the user wrote it.
 */
function typedReader(values: Record<string, unknown>, n: (key: string) => string): Read {
  const typed = new Map<string, unknown>();
  const read: Read = (key) => {
    if (typed.has(key)) return typed.get(key);
    const value = typedValue(key, values[key], n(key));
    typed.set(key, value);
    const needs = FLAGS.find((flag) => flag.key === key && flag.needs !== undefined)?.needs;
    if (needs !== undefined && value !== undefined && !read(needs)) {
      throw new UsageError(`${n(key)} needs ${flagOf(needs)}`);
    }
    return value;
  };
  return read;
}

/** One setting's value checked against its row's type (see `Flag.type`), as `name` the user wrote it. */
function typedValue(key: string, value: unknown, name: string): unknown {
  if (value === undefined) return undefined;
  const rows = [...FLAGS, ...FILE_ONLY].filter((flag) => flag.key === key);
  const type = rows[0]?.type ?? 'checked later';
  /** Digits given on the command line (or in the file as a string) are a number. */
  const digits = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (type === 'string') {
    // A negatable setting (--no-cacheable) is false when turned off.
    if (value === false && rows.some((flag) => flag.flags.startsWith('--no-'))) return value;
    if (typeof value !== 'string' || value === '')
      throw new UsageError(`${name} takes a non-empty string`);
    return value;
  }
  if (type === 'boolean') {
    if (typeof value !== 'boolean')
      throw new UsageError(`${name} must be true or false (got ${JSON.stringify(value)})`);
    return value;
  }
  if (type === 'strings') {
    const list = Array.isArray(value) ? value : [value];
    if (!list.every((v) => typeof v === 'string' && v !== ''))
      throw new UsageError(`${name} takes non-empty strings`);
    return list;
  }
  if (typeof type === 'object') {
    const [min, max] = type.integer;
    if (
      typeof digits !== 'number' ||
      !Number.isSafeInteger(digits) ||
      digits < min ||
      digits > max
    ) {
      throw new UsageError(
        `${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`,
      );
    }
    return digits;
  }
  // A number: anything but digits is passed on for the factory to refuse by name.
  return type === 'number' ? digits : value;
}

/** The values of the settings handed to a factory as they are, by the option they set. */
function passedValues(read: Read): Record<string, unknown> {
  const passed: Record<string, unknown> = {};
  for (const flag of FLAGS) {
    const value = flag.passes === undefined ? undefined : read(flag.key);
    if (value !== undefined) passed[flag.passes!] = value;
  }
  return passed;
}

function readableFile(name: string, file: string): string {
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    readFileSync(file);
  } catch {
    throw new UsageError(`${name} ${file}: no such readable file`);
  }
  return path.resolve(file);
}

/** Reads a users file (a JSON list, or the original's lines); plain passwords are counted for a warning. */
function readUsers(file: string, name: string): { users: UserEntry[]; plain: number } {
  let users: UserEntry[];
  try {
    users = readUsersFile(file);
  } catch (err) {
    throw new UsageError(
      `${name} ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  return { users, plain: users.filter((user) => user.password !== undefined).length };
}

/** How the user wrote each option that has a value: its flag, or its key in the config file. */
function givenNames(
  command: Command,
  values: Record<string, unknown>,
  fromFile: ReadonlySet<string>,
): Record<string, string> {
  const names: Record<string, string> = {};
  for (const key of CONFIG_KEYS) {
    if (values[key] === undefined) continue;
    const option = command.options.find((o) => o.attributeName() === key);
    names[key] = fromFile.has(key)
      ? `"${key}" in ${String(values.config)}`
      : (option?.long ?? `--${key}`);
  }
  return names;
}

/**
 * Merges the config file (JSON or YAML, `$VAR`s expanded) under the flags
 * given on the command line; `fromFile` gets the keys it set, and `raw` the
 * values as the file wrote them (for `--save-config`).
 */
function withConfigFile(
  command: Command,
  values: Record<string, unknown>,
  fromFile: Set<string>,
  raw: Record<string, unknown>,
): Record<string, unknown> {
  const file = values.config as string | undefined;
  if (file === undefined) return values;
  let parsed: Record<string, unknown>;
  try {
    parsed = readConfigFile(file);
  } catch (err) {
    throw new UsageError(`--config ${file}: ${(err as Error).message}`);
  }
  const merged = { ...values };
  const base = path.dirname(path.resolve(file));
  for (const [key, given] of Object.entries(parsed)) {
    if (!CONFIG_KEYS.includes(key)) {
      throw new UsageError(
        `--config ${file}: unknown option "${key}".${didYouMean(key, CONFIG_KEYS)}`,
      );
    }
    if (command.getOptionValueSource(key) === 'cli') continue;
    let expanded: unknown;
    try {
      expanded = expandEnv(given, key);
    } catch (err) {
      throw new UsageError(`--config ${file}: ${(err as Error).message}`);
    }
    // Paths in the file are relative to the file, wherever the command runs.
    const value =
      PATH_KEYS.has(key) && typeof expanded === 'string' && expanded !== '-' && expanded !== ''
        ? path.resolve(base, expanded)
        : expanded;
    merged[key] = value;
    fromFile.add(key);
    // Saved as written, but for a path, which is saved where it points (the saved file may be elsewhere).
    raw[key] =
      PATH_KEYS.has(key) && typeof given === 'string' && !given.includes('$') ? value : given;
  }
  return merged;
}

/**
 * The configuration as given, for `--save-config`: each flag from the
 * command line as typed (a path made absolute), then each option of the
 * config file as it wrote it (`$VAR`s unexpanded).
 */
function givenConfig(
  command: Command,
  values: Record<string, unknown>,
  raw: Record<string, unknown>,
): Record<string, unknown> {
  const saved: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    if (command.getOptionValueSource(key) === 'cli') {
      const value = values[key];
      saved[key] =
        PATH_KEYS.has(key) && typeof value === 'string' && value !== '-'
          ? path.resolve(value)
          : value;
    } else if (key in raw) saved[key] = raw[key];
  }
  return saved;
}

/** Reads `Name: value` lines into a header map; headers() checks the names and values when the app is made. */
function parseHeaders(
  lines: string[] | undefined,
  flag: string,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const line of lines ?? []) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new UsageError(`${flag} ${JSON.stringify(line)}: expected 'Name: value'`);
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    const previous = headers[name];
    headers[name] =
      previous === undefined
        ? value
        : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return headers;
}

/** The capture options: `--capture [all]` and the flags that go with it. */
function captureConfig(
  read: Read,
  n: (key: string) => string,
  redis: boolean,
): ServerConfig['capture'] {
  const mode = read('capture');
  if (mode !== undefined && mode !== true && mode !== false && mode !== 'all') {
    throw new UsageError(`${n('capture')} takes nothing or all (got ${JSON.stringify(mode)})`);
  }
  const on = mode === true || mode === 'all';
  const file = read('captureFile') as string | undefined;
  const token = read('captureToken') as string | undefined;
  const prefix = read('dashboardPrefix') as string | undefined;
  if (file !== undefined && redis) {
    throw new UsageError(
      `${n('captureFile')} and --redis both keep hits: with --redis they are in Redis streams, shared by every worker; leave out one`,
    );
  }
  if (token !== undefined && (token.length < 16 || !/^[\x21-\x7e]+$/.test(token))) {
    throw new UsageError(
      `${n('captureToken')} must be at least 16 printable characters, no spaces`,
    );
  }
  if (prefix !== undefined && !/^(\/[A-Za-z0-9._~-]+)+$/.test(prefix)) {
    throw new UsageError(
      `${n('dashboardPrefix')} must be a path of plain segments, such as /_mixnmatch (got ${prefix})`,
    );
  }
  if (!on) return undefined;
  return {
    all: mode === 'all',
    file: file === undefined ? undefined : path.resolve(file),
    token,
    prefix: prefix ?? '/_mixnmatch',
  };
}

/** Checks the merged values and builds the configuration. */
function toConfig(
  given: Record<string, unknown>,
  names: Record<string, string>,
): Omit<ServerConfig, 'given'> {
  /** The option as the user wrote it. */
  const n = (key: string): string => names[key] ?? key;
  const read = typedReader(given, n);
  const address = (read('address') as string | undefined)!;
  // A name of digits and dots is an IPv4 address to a URL parser, so it must be a valid one.
  const numeric = /^[0-9.]+$/.test(address);
  if (isIP(address) === 0 && (numeric || !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(address))) {
    throw new UsageError(
      `${n('address')} ${address}: not ${numeric ? 'a valid IPv4 address' : 'an IP address or host name'}`,
    );
  }
  const root = path.resolve((read('root') as string | undefined) ?? process.cwd());
  try {
    if (!statSync(root).isDirectory()) throw new Error();
  } catch {
    throw new UsageError(`${n('root')} ${root}: no such folder`);
  }
  // The original's example and test server let browsers cache scripts only.
  const cacheable =
    read('cacheable') === false
      ? undefined
      : ((read('cacheable') as string | undefined) ?? '\\.js$');

  const tlsCert = read('tlsCert') as string | undefined;
  const tlsKey = read('tlsKey') as string | undefined;
  const generate = (read('tls') as boolean | undefined) ?? false;
  if ((tlsCert === undefined) !== (tlsKey === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  if (generate && tlsCert !== undefined)
    throw new UsageError(
      '--tls makes its own certificate: leave out --tls-cert/--tls-key, or --tls',
    );
  const tls: ServerConfig['tls'] =
    tlsCert !== undefined
      ? {
          certFile: readableFile(n('tlsCert'), tlsCert),
          keyFile: readableFile(n('tlsKey'), tlsKey!),
        }
      : generate
        ? { generate: true }
        : undefined;

  const logTarget = read('log') as string | undefined;
  const logFormat = (read('logFormat') as string | undefined) ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json')
    throw new UsageError(`${n('logFormat')} must be text or json (got ${logFormat})`);
  const logBodies = (read('logBodies') as boolean | undefined) ?? false;
  if (logTarget === undefined && (logBodies || logFormat !== 'text')) {
    throw new UsageError(`--log-${logBodies ? 'bodies' : 'format'} needs --log FILE or --log -`);
  }

  const origins = read('allowedOrigins') as string[] | undefined;
  const cors: ServerConfig['cors'] =
    (read('cors') as boolean | undefined) === false
      ? false
      : {
          origins: origins === undefined || origins.includes('*') ? '*' : origins,
          allowAllOrigins: (read('allowAllOrigins') as boolean | undefined) ?? false,
          allowedHeaders: read('allowedHeaders') as string[] | undefined,
          allowedMethods: read('allowedMethods') as string[] | undefined,
          allowCredentials: (read('allowCredentials') as boolean | undefined) ?? false,
        };

  // Checked by cache(), whose refusal names the flag.
  const statusCodes = ((read('statusCodes') as string | undefined) ??
    'http') as ServerConfig['statusCodes'];
  const usersFile = read('users') as string | undefined;
  const register = (read('register') as boolean | undefined) ?? false;
  if (register && usersFile === undefined)
    throw new UsageError('--register needs --users FILE (credential mode)');
  const loaded = usersFile === undefined ? undefined : readUsers(usersFile, n('users'));
  const warnings =
    loaded && loaded.plain > 0
      ? [
          `${usersFile} holds ${loaded.plain} plain password${loaded.plain === 1 ? '' : 's'}, hashed at load; store hashes instead (mixnmatch hash-password)`,
        ]
      : [];

  const redisUrl = read('redis') as string | undefined;
  if (redisUrl !== undefined) {
    try {
      parseRedisUrl(redisUrl);
    } catch (err) {
      if (!(err instanceof RedisUrlError)) throw err;
      throw new UsageError(`${n('redis')} ${redactUrl(redisUrl)}: ${err.message}`);
    }
  }
  const redisPrefix = read('redisPrefix') as string | undefined;
  const workers = (read('workers') as number | undefined) ?? 1;
  if (workers > 1 && redisUrl === undefined) {
    throw new UsageError(
      `${n('workers')} ${workers} needs --redis URL: separate processes share sessions, pages and lockout counts only through Redis`,
    );
  }

  const jwtKeyFile = read('jwtKey') as string | undefined;
  const jwtOn = ((read('jwt') as boolean | undefined) ?? false) || jwtKeyFile !== undefined;
  const jwtAccessTtl = read('jwtAccessTtl') as number | undefined;
  const jwtRefreshTtl = read('jwtRefreshTtl') as number | undefined;
  if (!jwtOn && (jwtAccessTtl !== undefined || jwtRefreshTtl !== undefined)) {
    throw new UsageError(
      `${n(jwtAccessTtl !== undefined ? 'jwtAccessTtl' : 'jwtRefreshTtl')} needs --jwt or --jwt-key FILE`,
    );
  }
  if (jwtOn && usersFile === undefined) {
    throw new UsageError(
      `${n(jwtKeyFile !== undefined ? 'jwtKey' : 'jwt')} needs --users FILE: token mode logs users in with credentials`,
    );
  }
  let jwtKey: Buffer | undefined;
  if (jwtKeyFile !== undefined) {
    try {
      jwtKey = readFileSync(path.resolve(jwtKeyFile));
    } catch {
      throw new UsageError(`${n('jwtKey')} ${jwtKeyFile}: no such readable file`);
    }
    // A secret written by `openssl rand -hex 32 > key` ends with a newline that is not part of it.
    if (!jwtKey.includes('-----BEGIN'))
      jwtKey = Buffer.from(jwtKey.toString('utf8').trim(), 'utf8');
  }
  if (read('rules') !== undefined && !Array.isArray(read('rules'))) {
    throw new UsageError(
      `${n('rules')} must be a list of rules ({ "pattern", "users", "roles", "except", "public" })`,
    );
  }

  const capture = captureConfig(read, n, redisUrl !== undefined);

  const sameSite = (read('sameSite') as string | undefined)?.toLowerCase();
  if (
    sameSite !== undefined &&
    sameSite !== 'none' &&
    sameSite !== 'lax' &&
    sameSite !== 'strict'
  ) {
    throw new UsageError(`${n('sameSite')} must be none, lax or strict (got ${sameSite})`);
  }

  return {
    passed: passedValues(read),
    sameSite,
    capture,
    jwt: jwtOn
      ? { key: jwtKey, keyFile: jwtKeyFile, accessTtl: jwtAccessTtl, refreshTtl: jwtRefreshTtl }
      : undefined,
    rules: read('rules') as unknown[] | undefined,
    redis:
      redisUrl === undefined ? undefined : { url: redisUrl, prefix: redisPrefix ?? 'mixnmatch:' },
    workers,
    pidfile: read('pidfile') as string | undefined,
    errorLog: read('errorLog') as string | undefined,
    templates: read('templates') as string | undefined,
    users: loaded?.users,
    usersFile,
    register,
    reflect: (read('reflect') as boolean | undefined) ?? false,
    warnings,
    address,
    port: (read('port') as number | undefined) ?? (tls ? 58443 : 58080),
    root,
    secrets: (read('secrets') as string[] | undefined) ?? [],
    headers: parseHeaders(read('header') as string[] | undefined, n('header')),
    cacheable,
    // Checked by cache(), whose refusal names the flag.
    maxCacheSize: read('maxCacheSize') as number | undefined,
    statusCodes,
    listing: (read('listing') as boolean | undefined) ?? true,
    followSymlinks: (read('followSymlinks') as boolean | undefined) ?? false,
    cors,
    tls,
    log:
      logTarget === undefined
        ? undefined
        : { target: logTarget, bodies: logBodies, format: logFormat },
  };
}

/**
 * Reads the command line (`argv` without `node` and the script). Never
 * exits: `--help` and `--version` give output and 0, a bad option or value
 * one line of reason and the usage, with 2.
 */
export function parseArgs(argv: readonly string[], version: string): ParsedArgs {
  let stdout = '';
  let stderr = '';
  const command = program(version)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => (stdout += text),
      writeErr: (text) => (stderr += text),
      outputError: () => undefined,
    });
  const usage = () =>
    `${command.helpInformation().split('\n')[0]}\nRun mixnmatch --help for the options.\n`;
  try {
    command.parse([...argv], { from: 'user' });
    const fromFile = new Set<string>();
    const raw: Record<string, unknown> = {};
    const values = withConfigFile(command, command.opts(), fromFile, raw);
    const given = givenNames(command, values, fromFile);
    const config = { ...toConfig(values, given), given };
    const saveTo = values.saveConfig as string | undefined;
    return {
      kind: 'run',
      config:
        saveTo === undefined
          ? config
          : { ...config, save: { file: saveTo, options: givenConfig(command, values, raw) } },
    };
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      ) {
        return { kind: 'exit', code: 0, stdout, stderr };
      }
      return {
        kind: 'exit',
        code: 2,
        stdout,
        stderr: `mixnmatch: ${err.message.replace(/^error: /, '')}\n${usage()}`,
      };
    }
    if (err instanceof UsageError) {
      return { kind: 'exit', code: 2, stdout, stderr: `mixnmatch: ${err.message}\n${usage()}` };
    }
    throw err;
  }
}
