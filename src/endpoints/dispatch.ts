// Pure dispatch: find the endpoint node for a path, its arguments and parameters, and check the argument count.
import { ExtraArgsError, MissingArgsError, type EndpointError } from '../errors';
import {
  ARGS_ANY,
  ARGS_OPTIONAL,
  ARGS_REQUIRED,
  type CompiledNode,
  type CompiledSpec,
} from './spec';

/** A path resolved to an endpoint node. */
export interface NodeMatch {
  readonly node: CompiledNode;
  /** Everything after the node's path and one separating `/`. */
  readonly args: string;
  /** Values of the `:param` segments on the way, by name. */
  readonly params: Record<string, string>;
}

/**
 * Resolves a canonical decoded path (relative to the router's mount point):
 * the first segment must name a root; each next segment descends into the
 * child of that name, else into a `:param` child; the first segment that
 * names no child starts the arguments. Lookups are map hits, so the cost
 * depends on the path's depth, never on the size of the spec.
 */
export function matchCanonical(spec: CompiledSpec, path: string): NodeMatch | undefined {
  let end = path.indexOf('/', 1);
  if (end === -1) end = path.length;
  let node = spec.roots.get(path.slice(1, end));
  if (!node) return undefined;
  let params: Record<string, string> | undefined;
  while (end < path.length && !node.rawArgs) {
    const start = end + 1;
    let next = path.indexOf('/', start);
    if (next === -1) next = path.length;
    if (next === start) break;
    const segment = path.slice(start, next);
    const child: CompiledNode | undefined = node.children.get(segment) ?? node.paramChild;
    if (!child) break;
    if (child.param !== undefined) (params ??= {})[child.param] = segment;
    node = child;
    end = next;
  }
  return { node, args: path.slice(end + 1), params: params ?? {} };
}

/** A state of the raw walk: inside the mount prefix (segments matched), on a node, or off the spec. */
type WalkState = number | CompiledNode | null;

/**
 * Finds a `rawArgs` endpoint the way the original did: the decoded, raw path
 * is canonicalised one segment at a time, and as soon as the path so far
 * names an endpoint that takes raw arguments, the rest of the raw path (after
 * one `/`) is its arguments, untouched: `/goto/../foo` → `goto` with `../foo`;
 * `/x/../goto//y` → `goto` with `/y`. `prefix` holds the decoded segments of
 * the mount point, which the path must pass through first.
 */
export function matchRaw(
  spec: CompiledSpec,
  rawPath: string,
  prefix: readonly string[],
): NodeMatch | undefined {
  const stack: { state: WalkState; segment: string }[] = [];
  const initial: WalkState = prefix.length === 0 ? -1 : 0;
  let start = rawPath[0] === '/' ? 1 : 0;
  while (start <= rawPath.length) {
    let end = rawPath.indexOf('/', start);
    if (end === -1) end = rawPath.length;
    const segment = rawPath.slice(start, end);
    if (segment === '..') stack.pop();
    else if (segment !== '' && segment !== '.') {
      const state = step(
        spec,
        stack.length ? stack[stack.length - 1]!.state : initial,
        segment,
        prefix,
      );
      stack.push({ state, segment });
      if (state !== null && typeof state === 'object' && state.rawArgs) {
        const params: Record<string, string> = {};
        for (const entry of stack) {
          const node = entry.state;
          if (node !== null && typeof node === 'object' && node.param !== undefined) {
            params[node.param] = entry.segment;
          }
        }
        return { node: state, args: rawPath.slice(end + 1), params };
      }
    }
    start = end + 1;
  }
  return undefined;
}

/** One step of the raw walk. `-1` stands for "at the mount point", before any root. */
function step(
  spec: CompiledSpec,
  state: WalkState,
  segment: string,
  prefix: readonly string[],
): WalkState {
  if (state === null) return null;
  if (typeof state === 'number') {
    if (state === -1) return spec.roots.get(segment) ?? null;
    // Express matches mount paths case-insensitively by default.
    if (segment.toLowerCase() !== prefix[state]!.toLowerCase()) return null;
    return state + 1 === prefix.length ? -1 : state + 1;
  }
  return state.children.get(segment) ?? state.paramChild ?? null;
}

/** The non-empty segments of an argument string. */
export function splitArgs(args: string): string[] {
  if (args === '') return [];
  return args.split('/').filter(Boolean);
}

/** Checks an argument list against a node's count: a 404 error when there are too few or too many. */
export function checkArgCount(
  node: CompiledNode,
  argv: readonly string[],
): EndpointError | undefined {
  const count = node.args;
  if (count === ARGS_ANY) return undefined;
  if (count === ARGS_REQUIRED) return argv.length === 0 ? new MissingArgsError() : undefined;
  const max = count === ARGS_OPTIONAL ? 1 : count;
  if (argv.length > max) return new ExtraArgsError(argv.slice(max).join('/'));
  if (count !== ARGS_OPTIONAL && argv.length < count) return new MissingArgsError();
  return undefined;
}
