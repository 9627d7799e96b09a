// Compiles an endpoint spec tree into a lookup trie, validating it once, at construction.
import type { RequestHandler } from 'express';
import { ConfigError } from '../shared/errors';
import { isToken } from '../http/headers';
import { didYouMean, isPlainObject, show } from '../shared/options';

/** `args` value: zero or one argument. */
export const ARGS_OPTIONAL = '?' as const;
/** `args` value: any number of arguments, none included. */
export const ARGS_ANY = '*' as const;
/** `args` value: one or more arguments. */
export const ARGS_REQUIRED = '+' as const;

/** How many path arguments an endpoint takes: an exact count, or `'?'` (0–1), `'*'` (0+), `'+'` (1+). */
export type ArgsCount = number | typeof ARGS_OPTIONAL | typeof ARGS_ANY | typeof ARGS_REQUIRED;

/** One node of an endpoint spec. */
export interface EndpointNode {
  /** The methods the endpoint takes; `HEAD` comes with `GET`, `OPTIONS` is always answered. Defaults to `['GET']`. */
  methods?: readonly string[];
  /** How many path arguments follow the endpoint's path. Defaults to `0`. */
  args?: ArgsCount;
  /** Take the arguments from the decoded path without canonicalising it. Not allowed with `children`. Defaults to `false`. */
  rawArgs?: boolean;
  /** Sub-endpoints, by segment name; a name `:param` matches any one segment. Defaults to none. */
  children?: EndpointSpec;
}

/** An endpoint spec: root segment names mapped to their nodes. */
export type EndpointSpec = Readonly<Record<string, EndpointNode>>;

/** Handlers by node path (`'debug'`, `'debug/sub'`, `'person/:username'`). */
export type EndpointHandlers = Readonly<Record<string, RequestHandler>>;

/** A spec node after compilation. */
export interface CompiledNode {
  /** The node's path as written in the spec (`debug/sub`). */
  readonly path: string;
  /** The first segment of the path. */
  readonly root: string;
  /** The path below the root (`''` for a root node). */
  readonly sub: string;
  /** For a `:param` node, the parameter's name. */
  readonly param: string | undefined;
  readonly methods: ReadonlySet<string>;
  /** The methods for the `Allow` header, in order. */
  readonly allowed: readonly string[];
  readonly allow: string;
  /** Whether the handler itself answers OPTIONS (the spec lists it). */
  readonly handlesOptions: boolean;
  readonly args: ArgsCount;
  readonly rawArgs: boolean;
  readonly children: ReadonlyMap<string, CompiledNode>;
  readonly paramChild: CompiledNode | undefined;
  readonly handler: RequestHandler;
}

/** A compiled spec. */
export interface CompiledSpec {
  readonly roots: ReadonlyMap<string, CompiledNode>;
  /** Whether any node takes raw arguments (only then is the raw path walked). */
  readonly hasRawArgs: boolean;
  /** Whether names match in their case only. */
  readonly caseSensitive: boolean;
  /** A path segment as the maps of names hold it: as it is, or its ASCII letters lower-cased. */
  readonly key: (segment: string) => string;
}

/** ASCII letters lower-cased, the rest as it is: the case Express's routes ignore. */
export function asciiLower(text: string): string {
  return /[A-Z]/.test(text) ? text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase()) : text;
}

const asIs = (segment: string): string => segment;

const ATTRIBUTES = ['methods', 'args', 'rawArgs', 'children'] as const;

/** The seed's attribute names, mapped to this API's. */
const SEED_NAMES: Readonly<Record<string, string>> = {
  allowed_methods: 'methods',
  $allowed_methods: 'methods',
  nargs: 'args',
  $nargs: 'args',
  raw_args: 'rawArgs',
  $raw_args: 'rawArgs',
};

const PARAM = /^:[A-Za-z_][A-Za-z0-9_]*$/;

const EXAMPLE = "endpoints({ debug: { methods: ['GET', 'POST'], args: 1 } }, { debug: handler })";

function fail(problem: string, example = EXAMPLE, option?: string): never {
  throw new ConfigError('endpoints', problem, example, option);
}

function checkArgs(path: string, args: unknown): ArgsCount {
  if (args === undefined) return 0;
  if (args === ARGS_OPTIONAL || args === ARGS_ANY || args === ARGS_REQUIRED) return args;
  if (typeof args === 'number' && Number.isSafeInteger(args) && args >= 0) return args;
  return fail(
    `endpoint "${path}": "args" must be a non-negative integer or one of ARGS_OPTIONAL ('?'), ARGS_ANY ('*'), ARGS_REQUIRED ('+') (got ${show(args)}).`,
    `{ ${path.split('/').pop()}: { args: ARGS_OPTIONAL } }`,
  );
}

function checkMethods(path: string, methods: unknown): string[] {
  if (methods === undefined) return ['GET'];
  if (!Array.isArray(methods) || methods.length === 0) {
    fail(
      `endpoint "${path}": "methods" must be a non-empty array of HTTP methods (got ${show(methods)}).`,
    );
  }
  const result: string[] = [];
  for (const method of methods as unknown[]) {
    if (typeof method !== 'string' || !isToken(method)) {
      fail(
        `endpoint "${path}": ${show(method)} is not an HTTP method (a method is a token such as "GET" or "POST").`,
      );
    }
    const upper = method.toUpperCase();
    if (!result.includes(upper)) result.push(upper);
  }
  return result;
}

/** `GET, HEAD` when GET is there (a HEAD is a GET without the body), and OPTIONS last. */
function allowedMethods(methods: readonly string[]): string[] {
  const allowed: string[] = [];
  for (const method of methods) {
    if (method === 'OPTIONS') continue;
    allowed.push(method);
    if (method === 'GET' && !methods.includes('HEAD')) allowed.push('HEAD');
  }
  allowed.push('OPTIONS');
  return allowed;
}

function checkName(parentPath: string, name: string): void {
  const where = parentPath ? `endpoint "${parentPath}"` : 'the spec';
  if (name === '') {
    fail(
      `${where} has a child named "": put the node's own attributes on the node itself (the seed's '' subpoint).`,
      '{ debug: { args: 1, children: { sub: {} } } }',
    );
  }
  if (name.includes('/') || name === '.' || name === '..') {
    fail(
      `${where} has a child named ${show(name)}: a name is one path segment, without "/" and not "." or "..".`,
    );
  }
  if (name.startsWith(':') && !PARAM.test(name)) {
    fail(
      `${where} has a parameter child ${show(name)}: a parameter is ":" followed by an identifier, like ":username".`,
    );
  }
}

/**
 * Compiles and validates a spec and its handlers. Throws a `ConfigError` (a
 * TypeError) naming the node and the fix. Without `caseSensitive`, names
 * match whatever the case of their ASCII letters.
 */
export function compileSpec(spec: unknown, handlers: unknown, caseSensitive = true): CompiledSpec {
  const key = caseSensitive ? asIs : asciiLower;
  if (!isPlainObject(spec)) fail(`the spec must be an object of endpoints (got ${show(spec)}).`);
  if (!isPlainObject(handlers)) {
    fail(`the handlers must be an object of functions by endpoint path (got ${show(handlers)}).`);
  }
  for (const [key, handler] of Object.entries(handlers)) {
    if (typeof handler !== 'function')
      fail(`handler "${key}" must be a function (got ${show(handler)}).`);
  }

  const paths: string[] = [];
  let hasRawArgs = false;

  const compileLevel = (
    level: Record<string, unknown>,
    parentPath: string,
    inherited: RequestHandler | undefined,
    params: readonly string[],
  ): { children: Map<string, CompiledNode>; paramChild: CompiledNode | undefined } => {
    const children = new Map<string, CompiledNode>();
    let paramChild: CompiledNode | undefined;
    for (const [name, value] of Object.entries(level)) {
      checkName(parentPath, name);
      const path = parentPath ? `${parentPath}/${name}` : name;
      if (!parentPath && name.startsWith(':')) {
        fail(
          `a root endpoint cannot be a parameter (${show(name)}): it would take every path. Mount the router at a prefix instead.`,
          "app.use('/people', endpoints({ ':name': {} }, handlers))",
        );
      }
      if (!isPlainObject(value))
        fail(`endpoint "${path}" must be an object of attributes (got ${show(value)}).`);
      for (const attribute of Object.keys(value)) {
        if (!(ATTRIBUTES as readonly string[]).includes(attribute)) {
          const seed = SEED_NAMES[attribute];
          fail(
            `endpoint "${path}" has an unknown attribute "${attribute}".${
              seed ? ` This API calls it "${seed}".` : didYouMean(attribute, ATTRIBUTES)
            } Attributes: ${ATTRIBUTES.join(', ')}.`,
          );
        }
      }
      const param = name.startsWith(':') ? name.slice(1) : undefined;
      if (param !== undefined) {
        if (paramChild) {
          fail(
            `endpoint "${parentPath}" has two parameter children ("${paramChild.path.split('/').pop()}" and "${name}"): a segment can match only one.`,
          );
        }
        if (params.includes(param)) {
          fail(`endpoint "${path}" repeats the parameter name "${param}" of a parent: rename one.`);
        }
      }
      const rawArgs = value.rawArgs ?? false;
      if (typeof rawArgs !== 'boolean') {
        fail(`endpoint "${path}": "rawArgs" must be true or false (got ${show(rawArgs)}).`);
      }
      if (value.children !== undefined && !isPlainObject(value.children)) {
        fail(
          `endpoint "${path}": "children" must be an object of endpoints (got ${show(value.children)}).`,
        );
      }
      const childSpec = value.children ?? {};
      if (rawArgs && Object.keys(childSpec).length > 0) {
        fail(
          `endpoint "${path}" takes raw arguments and has children: the raw arguments would swallow them. Drop "rawArgs" or move the children.`,
        );
      }
      hasRawArgs ||= rawArgs;
      const handler = (handlers[path] as RequestHandler | undefined) ?? inherited;
      if (!handler) {
        fail(
          `endpoint "${path}" has no handler: add one for "${path}"${
            parentPath ? ` or for a parent ("${parentPath.split('/')[0]}")` : ''
          }.`,
          `endpoints(spec, { '${path}': (req, res) => res.send('...') })`,
        );
      }
      paths.push(path);
      const methods = checkMethods(path, value.methods);
      const allowed = allowedMethods(methods);
      const slash = path.indexOf('/');
      const below = compileLevel(childSpec, path, handler, param ? [...params, param] : params);
      const node: CompiledNode = {
        path,
        root: slash === -1 ? path : path.slice(0, slash),
        sub: slash === -1 ? '' : path.slice(slash + 1),
        param,
        methods: new Set(allowed.filter((m) => m !== 'OPTIONS' || methods.includes('OPTIONS'))),
        allowed,
        allow: allowed.join(', '),
        handlesOptions: methods.includes('OPTIONS'),
        args: checkArgs(path, value.args),
        rawArgs,
        children: below.children,
        paramChild: below.paramChild,
        handler,
      };
      if (param !== undefined) paramChild = node;
      else {
        const twin = children.get(key(name));
        if (twin) {
          fail(
            `endpoints "${twin.path}" and "${path}" differ only in case, and with "caseSensitive: false" a name matches in either case: rename one.`,
          );
        }
        children.set(key(name), node);
      }
    }
    return { children, paramChild };
  };

  const { children: roots } = compileLevel(spec, '', undefined, []);

  for (const key of Object.keys(handlers)) {
    if (!paths.includes(key)) {
      fail(`handler "${key}" names no endpoint in the spec.${didYouMean(key, paths)}`);
    }
  }
  return { roots, hasRawArgs, caseSensitive, key };
}
