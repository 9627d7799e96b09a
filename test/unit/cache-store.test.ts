// MemoryPageStore through the PageStore contract, plus what only the memory store promises.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { MemoryPageStore, type PageStore } from 'mixnmatch';
import { pageStoreContract } from 'mixnmatch/testing';

pageStoreContract('MemoryPageStore', () => new MemoryPageStore());

describe('MemoryPageStore', () => {
  const limits = { maxSize: 100, maxNames: 10 };

  it('drops everything on close() and refuses to be used afterwards', async () => {
    const store = new MemoryPageStore();
    await store.save('a', { data: Buffer.from('abc'), type: 'text/plain' }, limits);
    await store.close();
    await expect(store.size()).rejects.toThrow(/closed/);
    await expect(store.get('a')).rejects.toThrow(/closed/);
    await expect(
      store.save('b', { data: Buffer.from('x'), type: 'text/plain' }, limits),
    ).rejects.toThrow(/closed/);
    await expect(store.clear('a')).rejects.toThrow(/closed/);
    await expect(store.clearAll()).rejects.toThrow(/closed/);
  });

  it('applies the limits of each call (one store can serve routers with different limits)', async () => {
    const store = new MemoryPageStore();
    const page = { data: Buffer.alloc(60), type: 'text/plain' };
    expect(await store.save('a', page, limits)).toBe('saved');
    expect(await store.save('b', page, limits)).toBe('full');
    expect(await store.save('b', page, { maxSize: 200, maxNames: 10 })).toBe('saved');
  });
});

describe('the example store of docs/cache.md', () => {
  /** Compiles the docs' `class LoggingPageStore` block, so the documented example cannot rot. */
  function docsStore(): new () => PageStore {
    const markdown = readFileSync(path.join(__dirname, '../../docs/cache.md'), 'utf8');
    const block = [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)]
      .map((match) => match[1]!)
      .find((code) => code.includes('class LoggingPageStore'));
    if (!block) throw new Error('docs/cache.md has no LoggingPageStore example');
    const { outputText } = ts.transpileModule(block, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    });
    const exports: Record<string, unknown> = {};
    new Function('exports', 'require', outputText)(exports, require);
    return exports.LoggingPageStore as new () => PageStore;
  }

  const LoggingPageStore = docsStore();

  beforeEach(() => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  pageStoreContract('LoggingPageStore (docs/cache.md)', () => new LoggingPageStore());
});
