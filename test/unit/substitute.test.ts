import { substituteFinal, substitutePartial } from '../../src/templates/substitute';

/** Both passes, as pageFromTemplate applies them: template fields, then dynamic ones. */
const fill = (text: string, fields: Record<string, unknown>, dynamic: Record<string, unknown>) =>
  substituteFinal(substitutePartial(text, fields), dynamic);

describe('template substitution', () => {
  it.each<[string, string, Record<string, unknown>, Record<string, unknown>, string]>([
    ['$x', '$x!', { x: 'X' }, {}, 'X!'],
    ['${x}', 'a${x}b', { x: 'X' }, {}, 'aXb'],
    ['$x followed by identifier characters', '$xy ${x}y', { x: 'X', xy: 'XY' }, {}, 'XY Xy'],
    ['a dynamic field', '$x', {}, { x: 'dyn' }, 'dyn'],
    [
      'a template field holding another $FIELD',
      '$BODY',
      { BODY: '<p>$name</p>' },
      { name: 'Ann' },
      '<p>Ann</p>',
    ],
    [
      'a template field holding its own name for the dynamic pass',
      '$BODY',
      { BODY: '[$BODY]' },
      { BODY: 'in' },
      '[in]',
    ],
    ['leftovers removed', 'a $missing ${gone} b', {}, {}, 'a   b'],
    ['$$ as a literal $', 'cost: $$5, $$x', { x: 'no' }, { x: 'no' }, 'cost: $5, $x'],
    ['a $ starting no placeholder', 'a $ b $5 c$', {}, {}, 'a $ b $5 c$'],
    ['values not scanned again', '$x', {}, { x: '$y $$' }, '$y $$'],
    ['numbers as strings', '$n', { n: 5 }, {}, '5'],
    ['inherited names ignored', '$constructor$toString', {}, {}, ''],
    ['case-sensitive names', '$X $x', {}, { x: 'lower' }, ' lower'],
    ['unclosed braces left alone', '${x', {}, { x: 'X' }, '${x'],
  ])('%s', (_name, text, fields, dynamic, expected) => {
    expect(fill(text, fields, dynamic)).toBe(expected);
  });

  it('keeps unknown placeholders and $$ in the first pass', () => {
    expect(substitutePartial('$a $b $$ ${c}', { a: 'A' })).toBe('A $b $$ ${c}');
  });
});
