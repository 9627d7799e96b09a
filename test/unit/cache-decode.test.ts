// The cache's pure decoding helpers (strict base64, Content-Type handling) and the shared byte-wise form parser.
import fc from 'fast-check';
import { decodeBase64, decodeFormPage, decodeJsonPage, pageType } from '../../src/cache/decode';
import { formFields, percentDecode } from '../../src/http/form';
import { HttpError } from '../../src/shared/errors';

/** Percent-encodes every byte, as a form might. */
function percentEncodeAll(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof HttpError ? err.status : -1;
  }
  return undefined;
}

describe('decodeBase64', () => {
  it.each([
    ['', ''],
    ['Zm9v', 'foo'],
    ['Zm8=', 'fo'],
    ['Zg==', 'f'],
    ['Zm9v\nYmFy', 'foobar'],
    [' Zm9v YmFy\r\n', 'foobar'],
  ])('decodes %j', (input, expected) => {
    expect(decodeBase64(input).toString('latin1')).toBe(expected);
  });

  it('decodes bytes that are not UTF-8', () => {
    expect(decodeBase64('/wD+gA==')).toEqual(Buffer.from([0xff, 0x00, 0xfe, 0x80]));
  });

  it.each([
    ['foo', /length \(3, whitespace aside\) is not a multiple of 4/],
    ['Zm9vY', /length/],
    ['Zm9!', /character "!" at position 3/],
    ['Zm-_', /character "-" at position 2/],
    ['Zg==Zg==', /"=" padding at position 2/],
    ['Z===', /"=" padding at position 1/],
    ['====', /"=" padding at position 0/],
    ['Zm9\u00e9', /not in the standard base64 alphabet/],
  ])('refuses %j with 400', (input, reason) => {
    expect(status(() => decodeBase64(input))).toBe(400);
    expect(() => decodeBase64(input)).toThrow(/^Cannot Base64 decode request data: /);
    expect(() => decodeBase64(input)).toThrow(reason);
  });

  it('round-trips any bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(decodeBase64(Buffer.from(bytes).toString('base64'))).toEqual(Buffer.from(bytes));
      }),
    );
  });

  it('handles a large input in linear time', () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0xab).toString('base64');
    expect(decodeBase64(big).length).toBe(3 * 1024 * 1024);
    expect(() => decodeBase64(`${big.slice(0, -1)}!`)).toThrow(/position/);
  });
});

describe('percentDecode', () => {
  const decode = (text: string) => percentDecode(Buffer.from(text, 'latin1'));

  it.each([
    ['', []],
    ['foo', [0x66, 0x6f, 0x6f]],
    ['a+b', [0x61, 0x20, 0x62]],
    ['%2B', [0x2b]],
    ['%ff%00', [0xff, 0x00]],
    ['%FF%00', [0xff, 0x00]],
    ['%e2%82%ac', [0xe2, 0x82, 0xac]],
    ['100%25', [0x31, 0x30, 0x30, 0x25]],
  ])('decodes %j byte for byte', (input, bytes) => {
    expect(decode(input)).toEqual(Buffer.from(bytes));
  });

  it('keeps raw bytes above 0x7f as they are', () => {
    expect(percentDecode(Buffer.from([0xc3, 0xa9, 0x25, 0x34, 0x31]))).toEqual(
      Buffer.from([0xc3, 0xa9, 0x41]),
    );
  });

  it.each(['%', '%4', '%zz', 'a%g1', '100%', '%%41'])('refuses %j', (input) => {
    expect(decode(input)).toBeUndefined();
  });

  it('round-trips any bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(decode(percentEncodeAll(bytes))).toEqual(Buffer.from(bytes));
      }),
    );
  });
});

describe('formFields', () => {
  const fields = (text: string) =>
    Object.fromEntries(
      [...formFields(Buffer.from(text, 'latin1'))].map(([k, v]) => [k, v.toString('latin1')]),
    );

  it('splits on & and the first =, leaving values encoded', () => {
    expect(fields('data=a%3Db=c&type=text%2Fhtml')).toEqual({
      data: 'a%3Db=c',
      type: 'text%2Fhtml',
    });
  });

  it('decodes names, skips empty pairs, takes a bare name as empty, keeps the first of a name', () => {
    expect(fields('&&d%61ta=1&flag&data=2&&')).toEqual({ data: '1', flag: '' });
  });

  it('keeps a name with a malformed escape as written', () => {
    expect(fields('%zz=1')).toEqual({ '%zz': '1' });
  });

  it('has no fields for an empty body', () => {
    expect(formFields(Buffer.alloc(0)).size).toBe(0);
  });
});

describe('pageType', () => {
  it.each([
    [undefined, 'text/plain'],
    ['', 'text/plain'],
    ['text/html', 'text/html'],
    ['text/html; charset=utf-8', 'text/html'],
    ['  TEXT/HTML ;charset=x', 'text/html'],
    ['image/png', 'image/png'],
    ['application/json', 'application/json'],
    ['text/foo', 'text/plain'],
    ['text/html\r\nSet-Cookie: a=b', 'text/plain'],
    ['html', 'text/plain'],
    ['text/html extra', 'text/plain'],
    ['text/html,text/css', 'text/plain'],
  ])('%j → %s', (input, type) => {
    expect(pageType(input)).toBe(type);
  });
});

describe('decodeFormPage', () => {
  const decode = (text: string) => decodeFormPage(Buffer.from(text, 'latin1'));

  it('decodes data and type', () => {
    expect(decode('data=%3Cb%3Ehi%3C%2Fb%3E&type=text%2Fhtml')).toEqual({
      data: Buffer.from('<b>hi</b>'),
      type: 'text/html',
    });
  });

  it('defaults the type to text/plain', () => {
    expect(decode('data=foo').type).toBe('text/plain');
    expect(decode('data=foo&type=text/foo').type).toBe('text/plain');
  });

  it.each([
    ['type=text/plain', /^No "data" parameter present/],
    ['&&', /^Cannot load parameters from request/],
    ['data=%zz', /^Cannot URL decode request data/],
    ['data=ok&type=%', /^Cannot URL decode the "type" parameter/],
  ])('refuses %j with 400', (body, reason) => {
    expect(status(() => decode(body))).toBe(400);
    expect(() => decode(body)).toThrow(reason);
  });
});

describe('decodeJsonPage', () => {
  const decode = (value: unknown) => decodeJsonPage(Buffer.from(JSON.stringify(value)));

  it('decodes base64 data and the type', () => {
    expect(decode({ data: 'Zm9v', type: 'text/html; charset=utf-8' })).toEqual({
      data: Buffer.from('foo'),
      type: 'text/html',
    });
  });

  it('takes a null type as none', () => {
    expect(decode({ data: 'Zm9v', type: null }).type).toBe('text/plain');
  });

  it('accepts a UTF-8 byte order mark', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"data":"Zm9v"}')]);
    expect(decodeJsonPage(body).data.toString()).toBe('foo');
  });

  it.each([
    [{ type: 'text/plain' }, /^No "data" parameter present/],
    [{ data: 'foo' }, /^Cannot Base64 decode request data/],
    [{ data: 42 }, /"data" must be a base64 string \(got number\)/],
    [{ data: null }, /got null/],
    [{ data: 'Zm9v', type: 7 }, /"type" parameter must be a string/],
    [['Zm9v'], /must be an object .* \(got an array\)/],
    ['Zm9v', /got string/],
    [null, /got null/],
    [{ __proto__: { data: 'Zm9v' } }, /^No "data" parameter present/],
  ])('refuses %j with 400', (value, reason) => {
    expect(status(() => decode(value))).toBe(400);
    expect(() => decode(value)).toThrow(reason);
  });

  it('refuses malformed JSON and bodies that are not UTF-8', () => {
    expect(() => decodeJsonPage(Buffer.from('{"data":'))).toThrow(/^Cannot decode JSON: /);
    expect(() => decodeJsonPage(Buffer.from([0x7b, 0xff, 0x7d]))).toThrow(/not valid UTF-8/);
  });
});
