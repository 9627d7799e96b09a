// Unit tests of goto()'s pure address helpers: the address a request names and the Location built from it.
import fc from 'fast-check';
import { gotoAddress, hasHost, joinLocation } from '../../src/goto/address';
import { locationHostname } from '../../src/goto/hosts';
import { encodeLocation } from '../../src/http/location';

describe('gotoAddress', () => {
  it.each<[string, string, string | undefined]>([
    // path form: the args, then the query exactly as sent
    ['foo', '/goto/foo', 'foo'],
    ['http://x/y', '/goto/http://x/y?a=1', 'http://x/y?a=1'],
    ['//foo?bar', '/foo%2f%2e.%2fgoto%2f//foo%3fbar?baz', '//foo?bar?baz'],
    ['foo', '/goto/foo?a=%0D%0A', 'foo?a=%0D%0A'],
    ['foo', '/goto/foo?', 'foo?'],
    ['foo', '/goto/foo?x/y', 'foo?x/y'],
    ['', '/goto', ''],
    ['', '/goto?a=1', '?a=1'],
    // the query form: no args, a "/" in the query
    ['', '/goto?/http://x/y?a=1', 'http://x/y?a=1'],
    ['', '/goto?//foo', '/foo'],
    ['', '/goto?///foo', '//foo'],
    ['', '/goto?/', ''],
    ['', '/goto/?/foo', 'foo'],
    ['', '/goto?cors=1&a=b/http://x/', 'http://x/'],
    ['', '/goto?/http%3A%2F%2Fx%2F%3Fa%3D%2520', 'http://x/?a=%20'],
    ['', '/api/goto?/foo', 'foo'],
    ['', '/goto?/%E0%A4%A', undefined],
    ['', '/goto?/%', undefined],
  ])('args %j of %s → %j', (args, target, expected) => {
    expect(gotoAddress(args, target)).toBe(expected);
  });
});

describe('hasHost', () => {
  it.each(['http://x', 'https://x/y', '//x', '//x/y', 'HTTP://X', '//\\evil', '// x'])(
    '%s has a host',
    (address) => {
      expect(hasHost(address)).toBe(true);
    },
  );

  it.each([
    '',
    'foo',
    '/foo',
    '///foo',
    'http:///x',
    'http:/x',
    'ftp://x',
    'javascript://x',
    '?//x',
  ])('%j has none', (address) => {
    expect(hasHost(address)).toBe(false);
  });
});

describe('joinLocation', () => {
  it.each<[string, string, string, string, string]>([
    ['', 'foobar', '', 'foo', '//foobar/foo'],
    ['', 'foobar', '/bar', 'foo', '//foobar/bar/foo'],
    ['', 'foobar', '/bar/', 'foo', '//foobar/bar/foo'],
    ['', 'foobar', '/bar', '/foo', '//foobar/foo'],
    ['http:', 'foobar', '/bar', '/foo', 'http://foobar/foo'],
    ['', 'foobar', '', '../foo', '//foobar/../foo'],
    ['https:', 'h:8443', '', '', 'https://h:8443/'],
    ['', 'h', '/a', '?q=1', '//h/a/?q=1'],
  ])('%s//%s%s + %j → %s', (proto, host, prefix, address, expected) => {
    expect(joinLocation({ proto, host, prefix }, address)).toBe(expected);
  });

  it('never lets the address change the host', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('', 'http:', 'https:'),
        fc.constantFrom('', '/', '/bar', '/a/b/'),
        fc.string({
          unit: fc.constantFrom('/', '\\', '@', '.', ':', '?', '#', 'a', '%', ' ', 'é'),
        }),
        (proto, prefix, address) => {
          fc.pre(!hasHost(address));
          let location: string;
          try {
            location = encodeLocation(joinLocation({ proto, host: 'foobar', prefix }, address));
          } catch {
            return; // refused with a 400: nothing is sent
          }
          expect(locationHostname(location)).toBe('foobar');
        },
      ),
    );
  });
});
