// Pure dispatch: find the endpoint node for a path, its arguments and parameters, and check the argument count.
import { ExtraArgsError, MissingArgsError, type EndpointError } from '../shared/errors';
import {
  ARGS_ANY,
  ARGS_OPTIONAL,
  ARGS_REQUIRED,
  type CompiledNode,
  type CompiledSpec,
} from './spec';
import { walkPath } from '../http/path';

/** A path resolved to an endpoint node. */
export interface NodeMatch {
  readonly node: CompiledNode;
  /** Everything after the node's path and one separating `/`. */
  readonly args: string;
  /** Values of the `:param` segments on the way, by name. */
  readonly params: Record<string, string>;
  /** Whether the raw path was walked to find it (its arguments are raw). */
  readonly raw?: boolean;
}

/**
 * The path a match hands its handler, below the router's mount point, as
 * the spec spells it: the node's names (a `:param` by its value) and the
 * arguments after one `/`. What access rules decide on for an endpoint
 * reached by a spelling of its own (raw arguments, another case).
 */
export function handedPath(match: NodeMatch): string {
  let path = '';
  for (const name of match.node.path.split('/')) {
    path += `/${name.startsWith(':') ? (match.params[name.slice(1)] ?? name) : name}`;
  }
  return match.args === '' ? path : `${path}/${match.args}`;
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
  let node = spec.roots.get(spec.key(path.slice(1, end)));
  if (!node) return undefined;
  let params: Record<string, string> | undefined;
  while (end < path.length && !node.rawArgs) {
    const start = end + 1;
    let next = path.indexOf('/', start);
    if (next === -1) next = path.length;
    if (next === start) break;
    const segment = path.slice(start, next);
    const child: CompiledNode | undefined = node.children.get(spec.key(segment)) ?? node.paramChild;
    if (!child) break;
    if (child.param !== undefined) (params ??= {})[child.param] = segment;
    node = child;
    end = next;
  }
  return { node, args: path.slice(end + 1), params: params ?? {} };
}

/**
 * A state of the raw walk: inside the mount prefix (the number of its
 * segments matched so far), on a node (with the `:param` values on the way),
 * or off the spec.
 */
type WalkState =
  | { readonly prefix: number }
  | { readonly node: CompiledNode; readonly params: Record<string, string> }
  | null;

/**
 * Finds a `rawArgs` endpoint the way the original did: the decoded, raw path
 * is canonicalised one segment at a time ({@link walkPath}), and as soon as
 * the path so far names an endpoint that takes raw arguments, the rest of the
 * raw path (after one `/`) is its arguments, untouched: `/goto/../foo` →
 * `goto` with `../foo`; `/x/../goto//y` → `goto` with `/y`. `prefix` holds
 * the decoded segments of the mount point, which the path must pass through
 * first.
 */
export function matchRaw(
  spec: CompiledSpec,
  rawPath: string,
  prefix: readonly string[],
): NodeMatch | undefined {
  let found: NodeMatch | undefined;
  const initial: WalkState = { prefix: prefix.length === 0 ? -1 : 0 };
  walkPath<WalkState>(rawPath, initial, (parent, segment, end) => {
    const state = step(spec, parent, segment, prefix);
    if (state !== null && 'node' in state && state.node.rawArgs) {
      found = {
        node: state.node,
        args: rawPath.slice(end + 1),
        params: state.params,
        raw: true,
      };
      return undefined;
    }
    return state;
  });
  return found;
}

const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** One step of the raw walk. A prefix count of `-1` stands for "at the mount point", before any root. */
function step(
  spec: CompiledSpec,
  state: WalkState,
  segment: string,
  prefix: readonly string[],
): WalkState {
  if (state === null) return null;
  if ('prefix' in state) {
    const matched = state.prefix;
    if (matched === -1) {
      const root = spec.roots.get(spec.key(segment));
      return root ? { node: root, params: NO_PARAMS } : null;
    }
    // Express matches mount paths case-insensitively by default.
    if (segment.toLowerCase() !== prefix[matched]!.toLowerCase()) return null;
    return { prefix: matched + 1 === prefix.length ? -1 : matched + 1 };
  }
  const child = state.node.children.get(spec.key(segment)) ?? state.node.paramChild;
  if (!child) return null;
  return {
    node: child,
    params: child.param === undefined ? state.params : { ...state.params, [child.param]: segment },
  };
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
