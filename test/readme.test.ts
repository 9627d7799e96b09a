import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import ts from 'typescript';

/** The first ```ts block of the README after `heading`. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const start = readme.indexOf(heading);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (start === -1 || !match) throw new Error(`no ts block after ${heading}`);
  return match[1]!;
}

/** Runs a README snippet as CommonJS, with `mixnmatch` resolved to the sources, and returns its `app`. */
function runSnippet(code: string, cwd: string): Express {
  const source = code.replace(/^app\.listen\(.*$/m, '') + '\nmodule.exports = { app };\n';
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      esModuleInterop: true,
      target: ts.ScriptTarget.ES2022,
    },
  });
  const module = { exports: {} as { app: Express } };
  // The snippet is CommonJS once transpiled: it gets a require() of its own.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = (name: string): unknown => require(name === 'mixnmatch' ? '../src' : name);
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    new Function('require', 'module', 'exports', outputText)(load, module, module.exports);
  } finally {
    process.chdir(previous);
  }
  return module.exports.app;
}

describe('README', () => {
  const app = runSnippet(
    readmeBlock('## Quick start'),
    path.join(__dirname, '..', 'examples', 'public'),
  );

  it('quick start: /hello/you answers Hello you', async () => {
    const res = await request(app).get('/hello/you');
    expect(res.text).toBe('Hello you');
    expect(res.headers['x-foo']).toBe('Foobar');
  });

  it('quick start: /x/../hello is /hello', async () => {
    expect((await request(app).get('/x/../hello')).text).toBe('Hello world');
  });

  it('quick start: /hello/a/b is a 404 about the extra argument', async () => {
    const res = await request(app).get('/hello/a/b');
    expect(res.status).toBe(404);
    expect(res.text).toContain('Extra arguments: b.');
  });

  it('quick start: anything else is a file', async () => {
    const res = await request(app).get('/hello.js');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBeUndefined();
  });

  it('gives exactly the two set-up commands, and package.json runs them', () => {
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const setup = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(
      setup
        .split('\n')
        .filter(Boolean)
        .map((line) => line.replace(/\s+#.*$/, '')),
    ).toEqual(['npm ci && npm start', 'npm test']);
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      bin: Record<string, string>;
    };
    expect(pkg.scripts.start).toBe(`node ${pkg.bin.mixnmatch}`);
    expect(pkg.scripts.test).toMatch(/jest$/);
  });
});
