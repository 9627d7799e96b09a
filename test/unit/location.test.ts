import { encodeLocation, gotoParamLocation } from '../../src/http/location';
import { HttpError } from '../../src/shared/errors';

describe('encodeLocation', () => {
  it.each([
    ['//foo.baz/../..//cache', '//foo.baz/../..//cache'],
    ['http://x/y?a=1&b=%20', 'http://x/y?a=1&b=%20'],
    ['/a b', '/a%20b'],
    ['/caf\u00e9', '/caf%C3%A9'],
    ['/\u{1f600}', '/%F0%9F%98%80'],
    ['/a\u00a0b', '/a%C2%A0b'],
  ])('%s → %s', (input, expected) => {
    expect(encodeLocation(input)).toBe(expected);
  });

  it.each(['/a\r\nSet-Cookie: x=1', '/a\nb', '/a\rb', '/a\u0000', '/a\tb', '/a\u007f'])(
    'refuses %j with 400',
    (input) => {
      expect(() => encodeLocation(input)).toThrow(HttpError);
      expect(() => encodeLocation(input)).toThrow(/control characters/);
    },
  );

  it('refuses a lone surrogate with 400', () => {
    expect(() => encodeLocation('/\ud800')).toThrow(/not valid Unicode/);
  });
});

describe('gotoParamLocation', () => {
  it.each(['/next', 'page.html', '//host/x', 'http://h/x', 'HTTPS://h/x', '?a=b', '#frag'])(
    'takes %s',
    (input) => {
      expect(gotoParamLocation(input)).toBe(input);
    },
  );

  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'data:text/html,x',
    'file:///etc/passwd',
    'vbscript:x',
  ])('refuses %s with 400', (input) => {
    let caught: unknown;
    try {
      gotoParamLocation(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HttpError);
    expect((caught as HttpError).status).toBe(400);
  });
});
