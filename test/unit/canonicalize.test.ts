import fc from 'fast-check';
import {
  canonicalDecoded,
  canonicalizePath,
  decodePath,
  encodePath,
  isPlainPath,
  splitTarget,
} from '../../src/http/path';

/** A reference model: RFC 3986's remove_dot_segments after collapsing slashes, written as rewrites. */
function reference(path: string): string {
  let p = ('/' + path).replace(/\/+/g, '/');
  // A final dot segment leaves a trailing slash.
  p = p.replace(/\/\.\.?$/, (m) => m + '/');
  for (;;) {
    const before = p;
    p = p.replace(/\/\.(?=\/)/g, '');
    p = p.replace(/^\/\.\.(?=\/)/, '');
    p = p.replace(/\/(?!\.\.\/)[^/]+\/\.\.(?=\/)/, '');
    if (p === before) break;
  }
  return p === '' ? '/' : p;
}

const segment = fc.oneof(
  fc.constantFrom('', '.', '..', 'a', 'b', 'foo', '...', '.x', 'x.', '%', '+', 'a b', 'é'),
  fc.string({ maxLength: 4, unit: 'grapheme' }).filter((s) => !s.includes('/')),
);
const path = fc.array(segment, { maxLength: 12 }).map((segments) => '/' + segments.join('/'));

describe('canonicalizePath', () => {
  it.each([
    ['//test/', '/test/'],
    ['/foo/../test/', '/test/'],
    ['/foo/../test', '/test'],
    ['/test/a/../', '/test/'],
    ['/a/../test/', '/test/'],
    ['/../../..', '/'],
    ['/..', '/'],
    ['/', '/'],
    ['', '/'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/a/./b/../../c', '/c'],
    ['///a//b///', '/a/b/'],
    ['/...', '/...'],
    ['/a+b', '/a+b'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalizePath(input)).toBe(expected);
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(path, (p) => canonicalizePath(canonicalizePath(p)) === canonicalizePath(p)),
    );
  });

  it('leaves no dot segments and no doubled slashes', () => {
    fc.assert(
      fc.property(path, (p) => {
        const c = canonicalizePath(p);
        expect(c.startsWith('/')).toBe(true);
        expect(c).not.toMatch(/\/\//);
        expect(c.split('/')).not.toContain('.');
        expect(c.split('/')).not.toContain('..');
      }),
    );
  });

  it('never climbs above the root', () => {
    fc.assert(
      fc.property(path, (p) => {
        // Prefixing the root with a real folder changes nothing below it.
        expect(canonicalizePath('/../../' + p)).toBe(canonicalizePath(p));
      }),
    );
  });

  it('keeps a trailing slash', () => {
    fc.assert(
      fc.property(path, (p) => {
        const c = canonicalizePath(p + '/');
        expect(c.endsWith('/')).toBe(true);
      }),
    );
  });

  it('matches the reference model', () => {
    fc.assert(
      fc.property(path, (p) => expect(canonicalizePath(p)).toBe(reference(p))),
      { numRuns: 2000 },
    );
  });
});

describe('canonicalDecoded', () => {
  it.each([
    ['/foo%2f../test/', '/test/'],
    ['/%2e%2e/%2E%2E/etc', '/etc'],
    ['/100%25.txt', '/100%.txt'],
    ['/a%20b', '/a b'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalDecoded(input)).toBe(expected);
  });

  it.each(['/%E0%A4%A', '/%', '/%zz', '/%C0%AF', '/%ED%A0%80'])('%s is malformed', (input) => {
    expect(canonicalDecoded(input)).toBe('malformed');
  });

  it('refuses a NUL byte', () => {
    expect(canonicalDecoded('/a%00b')).toBe('nul');
  });
});

describe('encodePath', () => {
  it('encodes what would otherwise be decoded or cut off again', () => {
    expect(encodePath('/100%.txt')).toBe('/100%25.txt');
    expect(encodePath('/a?b#c')).toBe('/a%3Fb%23c');
    expect(encodePath('/a b/é')).toBe('/a%20b/%C3%A9');
    expect(encodePath('/a+b:c@d')).toBe('/a+b:c@d');
  });

  it('round-trips through decoding', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) =>
        expect(decodePath(encodePath('/' + s))).toBe('/' + s),
      ),
    );
  });
});

describe('isPlainPath', () => {
  it.each([
    ['/a/b', true],
    ['//a', false],
    ['/.', false],
    ['/a/b?x=%20&y=/../', true],
    ['/a/.b', false],
    ['/a//b', false],
    ['/a%20', false],
    ['*', false],
    ['http://h/a', false],
  ])('%s → %s', (input, expected) => {
    expect(isPlainPath(input)).toBe(expected);
  });
});

describe('splitTarget', () => {
  it('splits the query off', () => {
    expect(splitTarget('/a?b=1?c')).toEqual({ path: '/a', query: '?b=1?c' });
  });
  it('takes the path of an absolute-form target', () => {
    expect(splitTarget('http://example.com/x/y?z')).toEqual({ path: '/x/y', query: '?z' });
    expect(splitTarget('http://example.com')).toEqual({ path: '/', query: '' });
  });
  it('gives nothing for a target without a path', () => {
    expect(splitTarget('*')).toBeUndefined();
  });
});
