// caseInsensitiveSource(): a rule's pattern rewritten for V8's linear engine matches as the `i` flag does on ASCII text.
import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { caseInsensitiveSource } from '../../src/access/pattern-case';

setFlagsFromString('--enable-experimental-regexp-engine');

/** The rewritten pattern on the linear engine. */
function folded(source: string): RegExp {
  // eslint-disable-next-line no-invalid-regexp -- 'l' is V8's linear engine, on above
  return new RegExp(caseInsensitiveSource(source), 'l');
}

const letter = fc.constantFrom(...'aAbBcCkKsSzZ');
const atom = fc.oneof(
  letter,
  fc.constantFrom('0', '9', '-', '/', '.', '_', '\\.', '\\/', '\\-'),
  fc.constantFrom('\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\b', '\\B'),
  fc.constantFrom('\\x41', '\\x7a', '\\u0062', '\\u004B', '\\101', '\\153', '\\0', '\\7', '\\8'),
  fc.constantFrom('\\A', '\\k', '\\p', '\\P', '\\K', '\\n', '\\t', '\\cA', '\\cz', '\\c1', '\\c'),
  fc
    .tuple(
      fc.boolean(),
      fc.array(
        fc.oneof(
          letter,
          fc.constantFrom(
            '-',
            '0-9',
            'a-f',
            'A-Z',
            'B-y',
            '\\d',
            '\\w',
            '\\W',
            '\\b',
            '\\B',
            '\\x61-\\x63',
            '\\-',
            '_',
            '\\c1',
            '\\cb',
            '\\c',
            '.-Z',
            '\\d-z',
          ),
        ),
        { maxLength: 4 },
      ),
    )
    .map(([negated, members]) => `[${negated ? '^' : ''}${members.join('')}]`),
);
const quantified = fc
  .tuple(atom, fc.constantFrom('', '', '*', '+', '?', '{2}', '{1,3}', '*?', '{a}'))
  .map(([a, q]) => a + q);
const sequence = fc.array(quantified, { maxLength: 5 }).map((items) => items.join(''));
const pattern = fc
  .tuple(
    fc.constantFrom('', '^', '^/'),
    sequence,
    fc.constantFrom('', '|', '|(?:', '(', '(?<Name>'),
    sequence,
    fc.constantFrom('', '$'),
  )
  .map(([start, a, group, b, end]) => {
    const close = group === '|(?:' || group === '(' || group === '(?<Name>' ? ')' : '';
    return `${start}${a}${group}${b}${close}${end}`;
  });
const text = fc
  .array(fc.constantFrom(...'aAbBcCkKsSzZ09-/._\\ \u0001\u0002\u000b\n\u0008'), { maxLength: 12 })
  .map((chars) => chars.join(''));

/** The pattern with V8's own `i` flag, or `undefined` when it is no pattern the linear engine takes. */
function reference(source: string): RegExp | undefined {
  try {
    // eslint-disable-next-line no-invalid-regexp -- checking the linear engine takes it
    new RegExp(source, 'l');
    return new RegExp(source, 'i');
  } catch {
    return undefined;
  }
}

describe('caseInsensitiveSource()', () => {
  it('matches ASCII text exactly as the pattern does with the i flag', () => {
    fc.assert(
      fc.property(pattern, fc.array(text, { minLength: 1, maxLength: 6 }), (source, inputs) => {
        const expected = reference(source);
        fc.pre(expected !== undefined);
        const actual = folded(source);
        for (const input of inputs) {
          expect({ source, input, match: actual.test(input) }).toEqual({
            source,
            input,
            match: expected!.test(input),
          });
        }
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['^/admin/', '/ADMIN/panel', true],
    ['^/Admin/', '/aDmIn/', true],
    ['^/[a-c]x', '/Bx', true],
    ['^/[^a-z]', '/Q', false],
    ['^/\\x41', '/a', true],
    ['^/(?<Name>x)', '/X', true],
    ['^/(?<Name>x)', '/name', false],
    ['^/\\d+', '/12', true],
    ['^/[\\w]$', '/Q', true],
  ])('%s on %s: %s', (source, input, match) => {
    expect(folded(source).test(input)).toBe(match);
  });

  it('leaves a pattern without letters as it is', () => {
    expect(caseInsensitiveSource('^/[0-9]+\\.\\d{2,3}$')).toBe('^/[0-9]+\\.\\d{2,3}$');
  });
});
