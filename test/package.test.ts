// The package as users install it: `npm pack`, installed into fresh projects (CommonJS, ESM, TypeScript nodenext and commonjs), and the bin.
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

jest.setTimeout(300_000);

const ROOT = path.join(__dirname, '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** What each consumer does: express-session and cookie-parser beside mixnmatch, requests over loopback. */
const CONSUMER_BODY = `
const app = express();
app.use(cookieParser('s'));
app.use(session({ secret: 's', resave: false, saveUninitialized: false }));
app.use(canonicalize());
app.use(auth({ secrets: ['secret'] }));
app.use(goto());
app.use(cache());
app.get('/both', (req, res) => {
  req.session.visits = (req.session.visits ?? 0) + 1;
  res.json({ visits: req.session.visits, mixnmatch: getSession(req) !== undefined });
});
app.use(errorHandler({ log: false }));
const server = app.listen(0, '127.0.0.1', async () => {
  const base = 'http://127.0.0.1:' + server.address().port;
  const login = await fetch(base + '/login');
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const first = await fetch(base + '/both', { headers: { cookie } });
  const jar = [cookie, ...first.headers.getSetCookie().map((c) => c.split(';')[0])].join('; ');
  const second = await (await fetch(base + '/both', { headers: { cookie: jar } })).json();
  const secret = (await fetch(base + '/secret/x')).status;
  const uuid = (await (await fetch(base + '/cache/new')).text()).length;
  console.log(JSON.stringify({ second, secret, uuid, testing: typeof pageStoreContract }));
  server.close();
});
`;

const EXPECTED = {
  second: { visits: 2, mixnmatch: true },
  secret: 401,
  uuid: 36,
  testing: 'function',
};

describe('the packed package, installed in fresh projects', () => {
  let dir: string;
  let project: string;
  let packed: { filename: string; files: { path: string }[] }[];

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mixnmatch-pack-'));
    // Packed from a clean tree (the project's files as a clone has them, no
    // dist/): what `npm publish` sends from a fresh clone, built by prepack.
    const tree = path.join(dir, 'tree');
    const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT)
      .split('\0')
      .filter((file) => file !== '' && existsSync(path.join(ROOT, file)));
    for (const file of files) {
      mkdirSync(path.dirname(path.join(tree, file)), { recursive: true });
      copyFileSync(path.join(ROOT, file), path.join(tree, file));
    }
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
    expect(existsSync(path.join(tree, 'dist'))).toBe(false);
    const output = run(NPM, ['pack', '--json', '--pack-destination', dir], tree);
    // The JSON, after whatever the prepack build printed.
    packed = JSON.parse(output.slice(output.indexOf('\n[') + 1)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const tarball = path.join(dir, packed[0]!.filename);
    project = path.join(dir, 'consumer');
    mkdirSync(project);
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
    );
    run(
      NPM,
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        tarball,
        'express@^5.3.0',
        'express-session@^1.19.0',
        'cookie-parser@^1.4.7',
        'typescript@~5.9.3',
        '@types/express@^5.0.6',
        '@types/express-session@^1.19.0',
        '@types/cookie-parser@^1.4.10',
        '@types/node@^20.19.0',
      ],
      project,
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ships its build, its docs and the PoC examples they link to, built by prepack from a clean tree', () => {
    const paths = packed[0]!.files.map((file) => file.path);
    for (const file of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/index.js',
      'dist/capture/page/app.js',
      'dist/testing/index.js',
      'docs/capture.md',
      'examples/pocs/capture-bin/README.md',
    ]) {
      expect(paths).toContain(file);
    }
  });

  it('installs without warnings from scripts of its own (no prepare, no install scripts)', () => {
    const manifest = JSON.parse(
      run(process.execPath, ['-p', "JSON.stringify(require('mixnmatch/package.json'))"], project),
    ) as { scripts?: Record<string, string>; license?: string; repository?: unknown };
    expect(manifest.scripts?.prepare).toBeUndefined();
    expect(manifest.scripts?.install).toBeUndefined();
    expect(manifest.scripts?.postinstall).toBeUndefined();
    expect(manifest.license).toBe('MIT');
    expect(manifest.repository).toBeDefined();
  });

  it('works from CommonJS with require()', () => {
    writeFileSync(
      path.join(project, 'cjs.cjs'),
      `const express = require('express');
const session = require('express-session');
const cookieParser = require('cookie-parser');
const { canonicalize, auth, goto, cache, errorHandler, getSession } = require('mixnmatch');
const { pageStoreContract } = require('mixnmatch/testing');
${CONSUMER_BODY}`,
    );
    expect(JSON.parse(run(process.execPath, ['cjs.cjs'], project))).toEqual(EXPECTED);
  });

  it('works from ESM with named imports', () => {
    writeFileSync(
      path.join(project, 'esm.mjs'),
      `import express from 'express';
import session from 'express-session';
import cookieParser from 'cookie-parser';
import { canonicalize, auth, goto, cache, errorHandler, getSession } from 'mixnmatch';
import { pageStoreContract } from 'mixnmatch/testing';
${CONSUMER_BODY}`,
    );
    expect(JSON.parse(run(process.execPath, ['esm.mjs'], project))).toEqual(EXPECTED);
  });

  it.each(['nodenext', 'commonjs'])(
    'type-checks and runs a strict TypeScript consumer (module %s, skipLibCheck false) beside @types/express-session',
    (module) => {
      const folder = path.join(project, `ts-${module}`);
      mkdirSync(folder, { recursive: true });
      writeFileSync(
        path.join(folder, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module,
            moduleResolution: module === 'nodenext' ? 'nodenext' : 'node10',
            target: 'es2022',
            strict: true,
            skipLibCheck: false,
            esModuleInterop: true,
            outDir: 'out',
            types: ['node'],
          },
          files: ['index.ts'],
        }),
      );
      writeFileSync(
        path.join(folder, 'index.ts'),
        `import express from 'express';
import session from 'express-session';
import cookieParser from 'cookie-parser';
import type { AddressInfo } from 'node:net';
import { canonicalize, auth, goto, cache, errorHandler, getSession, type Session } from 'mixnmatch';
import { pageStoreContract } from 'mixnmatch/testing';

declare module 'express-session' {
  interface SessionData {
    visits: number;
  }
}
const typed: Session | undefined = undefined;
void typed;
${CONSUMER_BODY.replace('server.address().port', '(server.address() as AddressInfo).port')}`,
      );
      run(
        process.execPath,
        [path.join(project, 'node_modules/typescript/bin/tsc'), '-p', folder],
        folder,
      );
      if (module === 'nodenext') {
        // nodenext compiles to ESM or CJS by the nearest package.json "type": none here, so CJS.
        writeFileSync(path.join(folder, 'out', 'package.json'), '{"type":"commonjs"}');
      }
      expect(JSON.parse(run(process.execPath, [path.join('out', 'index.js')], folder))).toEqual(
        EXPECTED,
      );
    },
  );

  it('runs the store contract suites from mixnmatch/testing under node:test', () => {
    writeFileSync(
      path.join(project, 'contract.test.mjs'),
      `import { describe, it, beforeEach, afterEach } from 'node:test';
import { MemoryPageStore, MemoryLockoutStore, MemoryUserStore, MemorySessionStore } from 'mixnmatch';
import { pageStoreContract, lockoutStoreContract, userStoreContract, sessionStoreContract } from 'mixnmatch/testing';
const api = { describe, it, beforeEach, afterEach };
pageStoreContract('MemoryPageStore', () => new MemoryPageStore(), { api });
lockoutStoreContract('MemoryLockoutStore', () => new MemoryLockoutStore(), { api });
userStoreContract('MemoryUserStore', () => new MemoryUserStore(), { api });
sessionStoreContract('MemorySessionStore', () => new MemorySessionStore(), { api });
`,
    );
    const output = run(
      process.execPath,
      ['--test', '--test-reporter=tap', 'contract.test.mjs'],
      project,
    );
    expect(output).toMatch(/# fail 0/);
    expect(output).toMatch(/# pass [1-9]\d+/);
  });

  it('installs the mixnmatch bin, which runs', () => {
    const bin = path.join(project, 'node_modules', '.bin', 'mixnmatch');
    expect(run(bin, ['--version'], project).trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(run(bin, ['--help'], project)).toContain('hash-password');
  });
});
