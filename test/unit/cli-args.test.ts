import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { banner, buildApp, captureToken, ConfigurationError } from '../../src/cli/server';
import { parseArgs, type ServerConfig } from '../../src/cli/args';
import { FILE_ONLY, FLAGS } from '../../src/cli/flags';
import request from 'supertest';

const dir = mkdtempSync(path.join(tmpdir(), 'mixnmatch-cli-'));

function run(...argv: string[]): ServerConfig {
  const parsed = parseArgs(argv, '1.2.3');
  if (parsed.kind !== 'run')
    throw new Error(`expected a config, got exit ${parsed.code}: ${parsed.stderr}`);
  return parsed.config;
}

function fails(...argv: string[]): string {
  const parsed = parseArgs(argv, '1.2.3');
  if (parsed.kind !== 'exit') throw new Error('expected an exit');
  expect(parsed.code).toBe(2);
  expect(parsed.stderr.split('\n')[1]).toBe('Usage: mixnmatch [options]');
  return parsed.stderr.split('\n')[0]!;
}

/** What the command prints when the app refuses a configuration parseArgs took: the factory's check, in the user's words. */
function refusedByApp(...argv: string[]): string {
  const parsed = parseArgs(argv, '1.2.3');
  if (parsed.kind !== 'run') throw new Error(`parseArgs refused it: ${parsed.stderr}`);
  try {
    buildApp(parsed.config, undefined);
  } catch (err) {
    if (err instanceof ConfigurationError) return err.message;
    throw err;
  }
  throw new Error('the app took it');
}

describe('the app the command builds', () => {
  it.each([
    [['-H', 'Bad Name: x'], /^--header: header "Bad Name": /],
    [['--cacheable', '('], /^--cacheable is not a valid regular expression: /],
    [['--max-cache-size', '0'], /^--max-cache-size must be a positive integer \(got 0\)/],
    [['--max-cache-size', 'lots'], /^--max-cache-size must be a positive integer \(got "lots"\)/],
    [
      ['--status-codes', 'python'],
      /^--status-codes must be 'http' or 'mixnmatchttp' \(got "python"\)/,
    ],
    [['--allowed-methods', 'G T'], /^--allowed-methods must be an array of HTTP methods/],
    [
      ['--allowed-origins', 'notanorigin'],
      /^--allowed-origins has "notanorigin", which is not an origin \(scheme:\/\/host\[:port\]\); to allow any origin, quote '\*'/,
    ],
    // What an unquoted * becomes in a shell: the folder's file names.
    [['--allowed-origins', 'README.md', 'package.json'], /has "README.md", .*quote '\*'/],
    [
      ['--allowed-origins', 'http://a.test/'],
      /^--allowed-origins has "http:\/\/a.test\/", which no browser sends: an Origin is http:\/\/a.test \(/,
    ],
  ])('refuses %j in the words of the flag (the factory checks it, once)', (argv, message) => {
    expect(refusedByApp(...argv, '-r', dir)).toMatch(message);
  });
});

describe('parseArgs', () => {
  it('has the documented defaults', () => {
    expect(run()).toEqual({
      address: '127.0.0.1',
      port: 58080,
      root: process.cwd(),
      secrets: [],
      headers: {},
      cacheable: '\\.js$',
      maxCacheSize: undefined,
      statusCodes: 'http',
      listing: true,
      followSymlinks: false,
      cors: {
        origins: '*',
        allowAllOrigins: false,
        allowedHeaders: undefined,
        allowedMethods: undefined,
        allowCredentials: false,
      },
      tls: undefined,
      log: undefined,
      users: undefined,
      usersFile: undefined,
      register: false,
      reflect: false,
      redis: undefined,
      workers: 1,
      jwt: undefined,
      rules: undefined,
      sameSite: undefined,
      warnings: [],
      passed: {},
      given: expect.any(Object),
    });
  });

  it('takes --redis, --redis-prefix and --workers', () => {
    expect(run('--redis', 'redis://127.0.0.1:6379', '--workers', '3')).toMatchObject({
      redis: { url: 'redis://127.0.0.1:6379', prefix: 'mixnmatch:' },
      workers: 3,
    });
    expect(run('--redis', 'redis://h:1', '--redis-prefix', 'staging:').redis).toEqual({
      url: 'redis://h:1',
      prefix: 'staging:',
    });
  });

  it('takes --reflect, and reflect in a config file', () => {
    expect(run('--reflect').reflect).toBe(true);
  });

  it('takes --follow-symlinks', () => {
    expect(run('--follow-symlinks').followSymlinks).toBe(true);
  });

  it('names each option as the user wrote it: its flag, or its key in the config file', () => {
    const config = path.join(dir, 'named.json');
    writeFileSync(config, JSON.stringify({ maxCacheSize: 5 }));
    const parsed = parseArgs(['-p', '0', '-c', config], '0.0.0');
    if (parsed.kind !== 'run') throw new Error(parsed.stderr);
    expect(parsed.config.given).toMatchObject({
      port: '--port',
      maxCacheSize: `"maxCacheSize" in ${config}`,
    });
    writeFileSync(config, JSON.stringify({ maxCacheSize: 0 }));
    expect(refusedByApp('-c', config)).toBe(
      `"maxCacheSize" in ${config} must be a positive integer (got 0).`,
    );
  });

  describe('users option', () => {
    const file = path.join(dir, 'users.json');
    writeFileSync(
      file,
      JSON.stringify([
        { username: 'alice', password: 'wonderland1', roles: ['admin'] },
        {
          username: 'bob',
          passwordHash:
            '$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        },
      ]),
    );

    it('loads the users and warns about plain passwords', () => {
      const config = run('--users', file, '--register');
      expect(config.users).toHaveLength(2);
      expect(config.register).toBe(true);
      expect(config.warnings).toEqual([
        `${file} holds 1 plain password, hashed at load; store hashes instead (mixnmatch hash-password)`,
      ]);
    });

    it('rejects a file that is not a list, and --register without users', () => {
      const bad = path.join(dir, 'users-bad.json');
      writeFileSync(bad, '{"alice":"x"}');
      expect(fails('--users', bad)).toMatch(/--users .*users-bad\.json: must hold a JSON list/);
      expect(fails('--users', path.join(dir, 'none.json'))).toMatch(/no such file/);
      expect(fails('--register')).toMatch(/--register needs --users FILE/);
    });
  });

  it('reads every flag', () => {
    const config = run(
      '-a',
      '0.0.0.0',
      '-p',
      '8080',
      '-r',
      dir,
      '-S',
      'secret',
      '/topsecret',
      '-H',
      'X-Foo: Foobar',
      '-H',
      'X-Foo: again',
      '--cacheable',
      '\\.js$',
      '--max-cache-size',
      '1024',
      '--no-listing',
      '--allowed-origins',
      'http://a',
      'http://b',
      '--allowed-headers',
      'X-A',
      '--allowed-methods',
      'GET',
      'PUT',
      '--allow-credentials',
      '-l',
      '-',
      '--log-bodies',
      '--log-format',
      'json',
    );
    expect(config).toMatchObject({
      address: '0.0.0.0',
      port: 8080,
      root: dir,
      secrets: ['secret', '/topsecret'],
      headers: { 'X-Foo': ['Foobar', 'again'] },
      cacheable: '\\.js$',
      maxCacheSize: 1024,
      listing: false,
      cors: {
        origins: ['http://a', 'http://b'],
        allowedHeaders: ['X-A'],
        allowedMethods: ['GET', 'PUT'],
        allowCredentials: true,
      },
      log: { target: '-', bodies: true, format: 'json' },
    });
  });

  it('lets only scripts be cached by default, as the original did; --no-cacheable caches nothing', () => {
    expect(run().cacheable).toBe('\\.js$');
    expect(run('--no-cacheable').cacheable).toBeUndefined();
    expect(run('--cacheable', '\\.css$').cacheable).toBe('\\.css$');
  });

  it("switches the cache to the original's status codes", () => {
    expect(run('--status-codes', 'mixnmatchttp').statusCodes).toBe('mixnmatchttp');
  });

  it('uses 58443 with TLS', () => {
    expect(run('--tls')).toMatchObject({ port: 58443, tls: { generate: true } });
  });

  it('turns CORS off with --no-cors, and echoes with --allow-all-origins', () => {
    expect(run('--no-cors').cors).toBe(false);
    expect(run('--allow-all-origins').cors).toMatchObject({ allowAllOrigins: true });
  });

  describe('config file', () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        port: 9000,
        secrets: ['secret'],
        header: ['X-A: 1'],
        maxCacheSize: 2048,
        allowCredentials: true,
        listing: false,
      }),
    );

    it('reads the same options in camelCase', () => {
      expect(run('-c', file)).toMatchObject({
        port: 9000,
        secrets: ['secret'],
        headers: { 'X-A': '1' },
        maxCacheSize: 2048,
        listing: false,
      });
    });

    it('lets flags override it', () => {
      expect(run('-c', file, '-p', '9001', '-S', 'other')).toMatchObject({
        port: 9001,
        secrets: ['other'],
      });
    });

    it.each([
      [{ prot: 1 }, /unknown option "prot"\. Did you mean "port"\?/],
      [{ logFormat: 5 }, /"logFormat" in .*bad.json takes a non-empty string/],
      [{ listing: 'no' }, /"listing" in .*bad.json must be true or false/],
      [[1], /must hold a JSON object/],
    ])('rejects %j', (content, message) => {
      const bad = path.join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify(content));
      expect(fails('-c', bad)).toMatch(message);
    });

    it('rejects a missing or broken file', () => {
      expect(fails('-c', path.join(dir, 'none.json'))).toMatch(/no such file/);
      writeFileSync(path.join(dir, 'broken.json'), '{');
      expect(fails('-c', path.join(dir, 'broken.json'))).toMatch(/--config .*broken\.json: /);
    });
  });

  it.each([
    [['--bogus'], /^mixnmatch: unknown option '--bogus'/],
    [['-p', 'http'], /--port must be an integer from 0 to 65535/],
    [['-p', '70000'], /--port must be an integer/],
    [['-r', '/no/such/folder'], /--root \/no\/such\/folder: no such folder/],
    [['-H', 'NoColon'], /--header "NoColon": expected 'Name: value'/],
    [['--workers', '2'], /--workers 2 needs --redis URL/],
    [['--jwt'], /--jwt needs --users FILE/],
    [['--same-site', 'sometimes'], /--same-site must be none, lax or strict/],
    [['--jwt-access-ttl', '60'], /--jwt-access-ttl needs --jwt or --jwt-key FILE/],
    [['--workers', '0'], /--workers must be an integer from 1 to 64/],
    [['--redis', 'http://x'], /--redis http:\/\/x: not a redis:\/\/ or rediss:\/\/ URL/],
    [['--redis-prefix', 'p:'], /--redis-prefix needs --redis URL/],
    [['-a', '999.1.1.1'], /--address 999\.1\.1\.1: not a valid IPv4 address/],
    [['-a', '1.2.3'], /--address 1\.2\.3: not a valid IPv4 address/],
    [['--tls-cert', '/nope.pem'], /--tls-cert and --tls-key go together/],
    [
      ['--tls-cert', '/nope.pem', '--tls-key', '/nope.key'],
      /--tls-cert \/nope\.pem: no such readable file/,
    ],
    [['--log-bodies'], /--log-bodies needs --log FILE or --log -/],

    [['-l', '-', '--log-format', 'xml'], /--log-format must be text or json/],
    [['-a', 'not an address'], /--address not an address: not an IP address or host name/],
    [['extra'], /too many arguments/],
  ])('%j → exit 2 with one line of reason', (argv, message) => {
    expect(fails(...argv)).toMatch(message);
  });

  it('prints help and the version with exit 0', () => {
    const help = parseArgs(['--help'], '1.2.3');
    expect(help).toMatchObject({ kind: 'exit', code: 0 });
    expect((help as { stdout: string }).stdout).toContain('--allow-all-origins');
    expect(parseArgs(['--version'], '1.2.3')).toMatchObject({
      kind: 'exit',
      code: 0,
      stdout: '1.2.3\n',
    });
  });
});

describe('the banner', () => {
  it('ends with one command to try each feature that is on', () => {
    const base = 'http://127.0.0.1:1';
    const text = banner(run('--reflect', '--capture'), '1.2.3', [`${base}/`], undefined);
    const tries = text
      .slice(text.indexOf('\n  try:\n') + 8)
      .trimEnd()
      .split('\n');
    expect(tries.map((line) => line.replace(/^ {4}curl .*# (\w+).*$/, '$1'))).toEqual([
      'auth',
      'goto',
      'cache',
      'echo',
      'reflect',
      'capture',
      'CORS',
      'files',
    ]);
    expect(text).toContain(`    curl -s '${base}/anything?a=1'`);
    expect(text).toContain(`    curl -i '${base}/login'`);
    // A certificate of its own: -k; the CORS try with an origin it allows.
    const tls = banner(
      run('--tls', '--allowed-origins', 'http://x.test'),
      '1.2.3',
      ['https://[::1]:1/'],
      'AA:BB',
    );
    expect(tls).toContain("    curl -k -i 'https://[::1]:1/login'");
    expect(tls).toContain("curl -k -si -H 'Origin: http://x.test' 'https://[::1]:1/'");
    const plain = banner(run('--no-cors'), '1.2.3', [`${base}/`], undefined);
    expect(plain).not.toMatch(/# (reflect|capture|CORS)/);
  });
});

describe('the banner in token mode', () => {
  it('describes no SESSION cookie, which token mode never sets; cookie mode does', () => {
    const users = path.join(dir, 'banner-users.json');
    writeFileSync(users, JSON.stringify([{ username: 'ann', password: 'annie-password' }]));
    const token = banner(
      run('--jwt', '--users', users),
      '1.2.3',
      ['http://127.0.0.1:1/'],
      undefined,
    );
    expect(token).toContain('tokens: POST /login answers access tokens');
    expect(token).not.toContain('SESSION');
    expect(banner(run(), '1.2.3', ['http://127.0.0.1:1/'], undefined)).toContain(
      'cookies: SESSION;',
    );
  });
});

describe('--capture and its flags', () => {
  it('turns capture on, with all, a file, a token and a prefix', () => {
    expect(run('--capture').capture).toEqual({
      all: false,
      file: undefined,
      token: undefined,
      prefix: '/_mixnmatch',
    });
    const config = run(
      '--capture',
      'all',
      '--capture-file',
      'hits.jsonl',
      '--capture-token',
      'a-token-long-enough',
      '--dashboard-prefix',
      '/inspect',
    );
    expect(config.capture).toEqual({
      all: true,
      file: path.resolve('hits.jsonl'),
      token: 'a-token-long-enough',
      prefix: '/inspect',
    });
  });

  it('takes the config file keys', () => {
    const file = path.join(dir, 'capture.json');
    writeFileSync(file, JSON.stringify({ capture: 'all', captureFile: 'hits.jsonl' }));
    expect(run('-c', file).capture).toMatchObject({
      all: true,
      file: path.join(dir, 'hits.jsonl'),
    });
  });

  it.each([
    [['--capture', 'some'], /^mixnmatch: --capture takes nothing or all \(got "some"\)$/],
    [['--capture-file', 'x'], /^mixnmatch: --capture-file needs --capture$/],
    [['--dashboard-prefix', '/x'], /^mixnmatch: --dashboard-prefix needs --capture$/],
    [['--capture', '--capture-token', 'short'], /at least 16 printable characters/],
    [['--capture', '--dashboard-prefix', 'x y'], /must be a path of plain segments/],
    [
      ['--capture', '--capture-file', 'x', '--redis', 'redis://127.0.0.1:1'],
      /--capture-file and --redis both keep hits/,
    ],
  ])('refuses %j', (argv, message) => {
    expect(fails(...argv)).toMatch(message);
  });

  it('hands --capture-body-limit to capture() as it is (a setting that is one row of the flag table)', async () => {
    expect(fails('--capture-body-limit', '10')).toMatch(
      /^mixnmatch: --capture-body-limit needs --capture$/,
    );
    const config = run('--capture', '--capture-body-limit', '10', '-r', dir);
    expect(config.passed).toEqual({ 'capture.bodyLimit': 10 });
    // capture() keeps 10 bytes of the body a bin is sent.
    const app = buildApp(config, undefined);
    const made = await request(app).get('/bin/new');
    const { id } = made.body as { id: string };
    await request(app).post(`/bin/${id}`).type('text').send('0123456789abcdef');
    const hits = await request(app).get(`/_mixnmatch/api/bins/${id}/hits`);
    expect((hits.body as { hits: { body: unknown }[] }).hits[0]!.body).toEqual({
      text: '0123456789',
      size: 16,
      truncated: true,
    });
    // Its refusal is told in the words of the flag, as every factory's is.
    expect(refusedByApp('--capture', '--capture-body-limit', 'lots', '-r', dir)).toMatch(
      /^--capture-body-limit must be a positive integer/,
    );
    const file = path.join(dir, 'body-limit.json');
    writeFileSync(file, JSON.stringify({ capture: true, captureBodyLimit: 'lots' }));
    expect(refusedByApp('-c', file, '-r', dir)).toMatch(
      /^"captureBodyLimit" in .*body-limit\.json must be a positive integer/,
    );
  });

  it('makes a token when bound to an address that is not loopback, and says it in the banner', () => {
    const open = run('--capture');
    expect(captureToken(open)).toBeUndefined();
    const wide = run('-a', '0.0.0.0', '--capture');
    const token = captureToken(wide);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(captureToken(wide)).toBe(token);
    expect(banner(wide, '1.2.3', ['http://192.0.2.1:58080/'], undefined)).toContain(
      `dashboard: http://192.0.2.1:58080/_mixnmatch/?token=${token} (needs its token)`,
    );
    expect(
      captureToken(run('-a', '0.0.0.0', '--capture', '--capture-token', 'mine-and-long-enough')),
    ).toBe('mine-and-long-enough');
  });
});

describe('the flag table', () => {
  it('has every flag and config key in docs/cli.md', () => {
    const docs = readFileSync(path.join(__dirname, '..', '..', 'docs', 'cli.md'), 'utf8');
    for (const flag of [...FLAGS, ...FILE_ONLY]) {
      const long = /--[a-z-]+/.exec(flag.flags)?.[0];
      // In the first column of a row of the flags table.
      if (long !== undefined) expect(docs).toMatch(new RegExp(`^\\| [^|]*${long}(?![a-z-])`, 'm'));
      expect(docs).toContain(`\`${flag.key}`);
    }
  });
});

describe('config files in YAML, with the environment, and --save-config', () => {
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };
  const env = process.env;
  beforeEach(() => {
    process.env = { ...env, MIXNMATCH_TEST_PORT: '4321', MIXNMATCH_TEST_SECRET: 'topsecret' };
  });
  afterEach(() => {
    process.env = env;
  });

  it('reads YAML, with $VAR and ${VAR} from the environment, and $$ for a $', () => {
    const file = write(
      'env.yaml',
      [
        'port: ${MIXNMATCH_TEST_PORT}',
        'secrets: [$MIXNMATCH_TEST_SECRET, "/price$$"]',
        'tls: true',
        'rules:',
        '  - pattern: "^/api/x$"',
        '    roles: [admin]',
      ].join('\n'),
    );
    const config = run('-c', file);
    // Strings stay strings: the port is checked as digits, as from the command line.
    expect(config.port).toBe(4321);
    expect(config.secrets).toEqual(['topsecret', '/price$']);
    expect(config.tls).toEqual({ generate: true });
    expect(config.rules).toEqual([{ pattern: '^/api/x$', roles: ['admin'] }]);
  });

  it('names a variable that is not set, and the option that uses it', () => {
    const file = write('unset.yml', 'secrets: ["${MIXNMATCH_TEST_NOT_SET}"]\n');
    expect(fails('-c', file)).toBe(
      `mixnmatch: --config ${file}: "secrets" uses $MIXNMATCH_TEST_NOT_SET, which is not set in the environment (write $$ for a $ of its own)`,
    );
    const json = write('unset.json', '{"root": "$MIXNMATCH_TEST_NOT_SET/site"}');
    expect(fails('-c', json)).toMatch(/"root" uses \$MIXNMATCH_TEST_NOT_SET/);
  });

  it('refuses YAML that is not a map of options, with the reason', () => {
    expect(fails('-c', write('list.yaml', '- a\n- b\n'))).toMatch(
      /must hold a YAML map of options/,
    );
    expect(fails('-c', write('bad.yaml', 'a: [\n'))).toMatch(/--config \S+bad\.yaml: /);
  });

  it('turns off for one run what the file turns on (--no-…)', () => {
    const file = write('on.yaml', 'tls: true\nreflect: true\nlisting: true\n');
    const config = run('-c', file, '--no-tls', '--no-reflect', '--no-listing');
    expect(config.tls).toBeUndefined();
    expect(config.reflect).toBe(false);
    expect(config.listing).toBe(false);
  });

  it('gives the configuration as given for --save-config: flags as typed, the file as written', () => {
    mkdirSync(path.join(dir, 'site'), { recursive: true });
    const file = write('base.yaml', 'secrets: [$MIXNMATCH_TEST_SECRET]\nroot: site\n');
    const config = run(
      '-c',
      file,
      '-p',
      '0',
      '--tls',
      '--save-config',
      path.join(dir, 'saved.yaml'),
    );
    expect(config.save).toEqual({
      file: path.join(dir, 'saved.yaml'),
      options: {
        port: '0',
        tls: true,
        secrets: ['$MIXNMATCH_TEST_SECRET'],
        root: path.join(dir, 'site'),
      },
    });
  });
});
