// Unit tests of goto()'s pure host helpers: inference from headers, Forwarded parsing, host matching.
import fc from 'fast-check';
import type { IncomingHttpHeaders } from 'node:http';
import {
  hostMatcher,
  inferBase,
  isValidHost,
  locationHostname,
  normalizeHostEntry,
  parseForwarded,
  usableHost,
} from '../../src/goto/hosts';

describe('inferBase', () => {
  it.each<[IncomingHttpHeaders, ReturnType<typeof inferBase>]>([
    [{}, undefined],
    [{ referer: 'foobar' }, undefined],
    [{ referer: '//foobar' }, { proto: '', host: 'foobar', prefix: '' }],
    [{ referer: '//foobar/bar' }, { proto: '', host: 'foobar', prefix: '/bar' }],
    [{ referer: 'http://foobar/bar' }, { proto: 'http:', host: 'foobar', prefix: '/bar' }],
    [{ referer: 'HTTPS://foobar/bar' }, { proto: 'https:', host: 'foobar', prefix: '/bar' }],
    [{ referer: 'http://foobar/bar?x=/y#z' }, { proto: 'http:', host: 'foobar', prefix: '/bar' }],
    [{ referer: 'http://foobar?x' }, { proto: 'http:', host: 'foobar', prefix: '' }],
    [
      { referer: 'foobar', origin: 'http://o' },
      { proto: 'http:', host: 'o', prefix: '' },
    ],
    [
      { referer: '//r', origin: 'http://o' },
      { proto: '', host: 'r', prefix: '' },
    ],
    [{ origin: 'null' }, undefined],
    [{ referer: '//a/\tb' }, undefined],
    [{ 'x-forwarded-host': 'foobar' }, { proto: '', host: 'foobar', prefix: '' }],
    [{ 'x-forwarded-host': 'a, b' }, { proto: '', host: 'a', prefix: '' }],
    [
      { 'x-forwarded-host': 'foobar', 'x-forwarded-proto': 'HTTPS, http' },
      { proto: 'https:', host: 'foobar', prefix: '' },
    ],
    [{ 'x-forwarded-for': ' 10.0.0.1 , 10.0.0.2' }, { proto: '', host: '10.0.0.1', prefix: '' }],
    [{ 'x-forwarded-for': '::1' }, { proto: '', host: '[::1]', prefix: '' }],
    [
      { 'x-forwarded-for': 'f', 'x-forwarded-proto': 'javascript' },
      { proto: '', host: 'f', prefix: '' },
    ],
    [
      { 'x-forwarded-host': 'x/y', 'x-forwarded-for': 'f' },
      { proto: '', host: 'f', prefix: '' },
    ],
    [{ forwarded: 'for=f;proto=https' }, { proto: 'https:', host: 'f', prefix: '' }],
    [{ forwarded: 'for=f;host=h' }, { proto: '', host: 'h', prefix: '' }],
    [{ forwarded: 'host=""; for=f' }, { proto: '', host: 'f', prefix: '' }],
    [{ forwarded: 'for=unknown' }, undefined],
    [{ forwarded: 'for="_gazonk"' }, undefined],
    [{ forwarded: 'for=a@b' }, undefined],
    [{ forwarded: 'garbage' }, undefined],
  ])('%j → %j', (headers, expected) => {
    expect(inferBase(headers)).toEqual(expected);
  });

  it('only ever gives a valid host', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            referer: fc.string(),
            origin: fc.string(),
            'x-forwarded-host': fc.string(),
            'x-forwarded-for': fc.string(),
            forwarded: fc.string(),
          },
          { requiredKeys: [] },
        ),
        (headers) => {
          const base = inferBase(headers);
          if (base) expect(isValidHost(base.host)).toBe(true);
        },
      ),
    );
  });
});

describe('parseForwarded', () => {
  it.each<[string, Record<string, string>]>([
    ['', {}],
    [
      'for=192.0.2.60;proto=http;by=203.0.113.43',
      { for: '192.0.2.60', proto: 'http', by: '203.0.113.43' },
    ],
    ['for=a, for=b', { for: 'a' }],
    ['For="[2001:db8:cafe::17]:4711"', { for: '[2001:db8:cafe::17]:4711' }],
    ['for="a\\"b";host=h', { for: 'a"b', host: 'h' }],
    ['for="a,b";host=h', { for: 'a,b', host: 'h' }],
    [' for = x ; host = y ', { for: 'x', host: 'y' }],
    ['host=a;host=b', { host: 'a' }],
    ['for=a;;host=b', { for: 'a' }],
  ])('%j → %j', (header, expected) => {
    expect(parseForwarded(header)).toEqual(expected);
  });
});

describe('usableHost / isValidHost', () => {
  it.each<[string, string | undefined]>([
    ['example.com', 'example.com'],
    [' example.com:8080 ', 'example.com:8080'],
    ['[::1]:80', '[::1]:80'],
    ['2001:db8::1', '[2001:db8::1]'],
    ['1.2.3.4', '1.2.3.4'],
    ['', undefined],
    ['a b', undefined],
    ['a/b', undefined],
    ['a\\b', undefined],
    ['a@b', undefined],
    ['a%2fb', undefined],
    ['a?b', undefined],
    ['a#b', undefined],
    ['a\u0000b', undefined],
    ['a\u00e9', undefined],
    ['a:b', undefined],
    ['a:123456', undefined],
  ])('%j → %j', (value, expected) => {
    expect(usableHost(value)).toBe(expected);
  });
});

describe('locationHostname', () => {
  it.each<[string, string | undefined]>([
    ['//Foo.Example:8080/x', 'foo.example'],
    ['http://example.com./', 'example.com'],
    ['https://user@evil.com/', 'evil.com'],
    ['//good.com\\@evil.com/', 'good.com'],
    ['//[::1]:3000/', '[::1]'],
    ['//%E4%BE%8B%E3%81%88.jp/', 'xn--r8jz45g.jp'],
    ['/relative', undefined],
    ['http://[bad/', undefined],
  ])('%s → %j', (location, expected) => {
    expect(locationHostname(location)).toBe(expected);
  });
});

describe('normalizeHostEntry and hostMatcher', () => {
  it.each<[string, string | undefined]>([
    ['Example.COM', 'example.com'],
    ['*.Example.com', '*.example.com'],
    ['[::1]', '[::1]'],
    ['例え.jp', 'xn--r8jz45g.jp'],
    ['example.com.', 'example.com'],
    ['example.com:80', undefined],
    ['[::1]:80', undefined],
    ['http://example.com', undefined],
    ['example.com/x', undefined],
    ['a@b', undefined],
    ['*', undefined],
    ['*.', undefined],
    ['', undefined],
    ['::1', undefined],
  ])('%j → %j', (entry, expected) => {
    expect(normalizeHostEntry(entry)).toBe(expected);
  });

  const matches = hostMatcher(['example.com', '*.trusted.org', '[::1]']);

  it.each([
    ['example.com', true],
    ['www.example.com', false],
    ['a.trusted.org', true],
    ['a.b.trusted.org', true],
    ['trusted.org', false],
    ['eviltrusted.org', false],
    ['[::1]', true],
    ['evil.com', false],
  ])('%s → %s', (host, expected) => {
    expect(matches(host)).toBe(expected);
  });
});
