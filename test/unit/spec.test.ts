import { compileSpec } from '../../src/endpoints/spec';

const ok = () => undefined;

describe('compileSpec validation', () => {
  it.each<[string, unknown, Record<string, unknown>, RegExp]>([
    ['a non-object spec', 'nope', {}, /endpoints\(\): the spec must be an object/],
    [
      'a bad args count',
      { debug: { args: -1 } },
      { debug: ok },
      /endpoint "debug": "args" must be a non-negative integer.*got -1.*Example: /,
    ],
    ['a fractional args count', { debug: { args: 1.5 } }, { debug: ok }, /"args" must be/],
    ['a string args count', { debug: { args: '2' } }, { debug: ok }, /"args" must be.*got "2"/],
    [
      'an unknown attribute',
      { debug: { method: ['GET'] } },
      { debug: ok },
      /endpoint "debug" has an unknown attribute "method"\. Did you mean "methods"\?/,
    ],
    [
      'a seed attribute name',
      { debug: { nargs: 1 } },
      { debug: ok },
      /unknown attribute "nargs"\. This API calls it "args"/,
    ],
    [
      'rawArgs with children',
      { a: { rawArgs: true, children: { b: {} } } },
      { a: ok },
      /endpoint "a" takes raw arguments and has children/,
    ],
    [
      'a method that is not a token',
      { a: { methods: ['GE T'] } },
      { a: ok },
      /endpoint "a": "GE T" is not an HTTP method/,
    ],
    ['empty methods', { a: { methods: [] } }, { a: ok }, /"methods" must be a non-empty array/],
    [
      'a node without a handler',
      { a: {}, b: { children: { c: {} } } },
      { a: ok },
      /endpoint "b" has no handler: add one for "b"/,
    ],
    [
      'a child without a handler',
      { b: { children: { c: {} } } },
      { 'b/c': ok },
      /endpoint "b" has no handler/,
    ],
    [
      'a handler for no node',
      { a: {} },
      { a: ok, ab: ok },
      /handler "ab" names no endpoint in the spec\. Did you mean "a"\?/,
    ],
    ['a handler that is not a function', { a: {} }, { a: 'x' }, /handler "a" must be a function/],
    [
      'an empty child name',
      { a: { children: { '': {} } } },
      { a: ok },
      /endpoint "a" has a child named "": put the node's own attributes on the node itself/,
    ],
    [
      'a child name with a slash',
      { a: { children: { 'b/c': {} } } },
      { a: ok },
      /a name is one path segment/,
    ],
    ['a dot-segment name', { '..': {} }, { '..': ok }, /a name is one path segment/],
    [
      'a bad parameter name',
      { a: { children: { ':': {} } } },
      { a: ok },
      /a parameter is ":" followed by an identifier/,
    ],
    [
      'two parameter children',
      { a: { children: { ':x': {}, ':y': {} } } },
      { a: ok },
      /endpoint "a" has two parameter children/,
    ],
    [
      'a repeated parameter name',
      { a: { children: { ':x': { children: { ':x': {} } } } } },
      { a: ok },
      /repeats the parameter name "x"/,
    ],
    [
      'a parameter at the root',
      { ':x': {} },
      { ':x': ok },
      /a root endpoint cannot be a parameter/,
    ],
    [
      'a node that is not an object',
      { a: 1 },
      { a: ok },
      /endpoint "a" must be an object of attributes/,
    ],
    [
      'non-boolean rawArgs',
      { a: { rawArgs: 'yes' } },
      { a: ok },
      /"rawArgs" must be true or false/,
    ],
  ])(
    'rejects %s with a TypeError naming the node and the fix',
    (_name, spec, handlers, message) => {
      expect(() => compileSpec(spec, handlers)).toThrow(TypeError);
      expect(() => compileSpec(spec, handlers)).toThrow(message);
    },
  );

  it('inherits the handler of the nearest ancestor', () => {
    const debug = () => undefined;
    const sub = () => undefined;
    const { roots } = compileSpec(
      { debug: { children: { sub: { children: { deeper: {} } }, other: {} } } },
      { debug, 'debug/sub': sub },
    );
    const node = roots.get('debug')!;
    expect(node.handler).toBe(debug);
    expect(node.children.get('other')!.handler).toBe(debug);
    expect(node.children.get('sub')!.handler).toBe(sub);
    expect(node.children.get('sub')!.children.get('deeper')!.handler).toBe(sub);
  });

  it('builds the Allow list: HEAD with GET, OPTIONS last', () => {
    const { roots } = compileSpec({ a: { methods: ['POST', 'get'] }, b: {} }, { a: ok, b: ok });
    expect(roots.get('a')!.allow).toBe('POST, GET, HEAD, OPTIONS');
    expect(roots.get('b')!.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('notes whether any node takes raw arguments', () => {
    expect(compileSpec({ a: {} }, { a: ok }).hasRawArgs).toBe(false);
    expect(compileSpec({ a: { children: { b: { rawArgs: true } } } }, { a: ok }).hasRawArgs).toBe(
      true,
    );
  });
});
