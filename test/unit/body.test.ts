// The shared body helpers: which kind a Content-Type announces.
import { bodyKind } from '../../src/http/body';
import { mediaType } from '../../src/http/headers';

describe('bodyKind', () => {
  it.each([
    [undefined, 'none'],
    ['', 'none'],
    ['application/json', 'json'],
    ['Application/JSON; charset=utf-8', 'json'],
    ['text/json', 'json'],
    ['application/x-www-form-urlencoded', 'form'],
    ['application/x-www-form-urlencoded; charset=UTF-8', 'form'],
    ['text/plain', 'other'],
    ['multipart/form-data; boundary=x', 'other'],
    ['application/jsonx', 'other'],
  ])('%j → %s', (header, kind) => {
    expect(bodyKind(header)).toBe(kind);
  });
});

describe('mediaType', () => {
  it('drops parameters, trims and lowercases', () => {
    expect(mediaType(' Text/HTML ; charset=utf-8')).toBe('text/html');
    expect(mediaType('')).toBe('');
  });
});
