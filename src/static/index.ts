// The serveStatic() fallback: serve-static underneath, never outside the root, with optional folder listings.
import { readdir, stat } from 'node:fs/promises';
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import serveStaticFiles from 'serve-static';
import { ConfigError, HttpError } from '../shared/errors';
import { assertNotMiddlewareCall, booleanOption, optionsObject, show } from '../shared/options';
import { checkAccess, hasAccessChecks } from '../access';
import { encodeLocation } from '../http/location';
import { canonicalDecoded, encodePath, splitTarget } from '../http/path';
import { canonicalPath, isProblem, mountPath } from '../http/request-path';
import { answerOptions, sendBody, sendEmpty } from '../http/respond';
import { renderListing } from './listing';

/** Options for {@link serveStatic}. */
export interface ServeStaticOptions {
  /** List a folder that has no index file, as the original did. Defaults to `false`. */
  listing?: boolean;
  /**
   * Pass a missing file (and methods other than GET, HEAD, OPTIONS) on to the
   * next middleware, as serve-static does; when false they get a 404 (or
   * 405) error for `errorHandler()`. Defaults to `true`.
   */
  fallthrough?: boolean;
  /** Index file names tried for a folder, or `false` for none. Defaults to `['index.html']`. */
  index?: readonly string[] | false;
  /**
   * Serve files whose real location, after symbolic links, is outside the
   * root. Unsafe: a link in the root then serves whatever it points to.
   * Links that stay inside the root are always followed (and the secrets of
   * an `auth()` before this are checked on where they lead). Defaults to
   * `false`: such a path is a 404.
   */
  followSymlinks?: boolean;
  /**
   * Dotfiles, as serve-static takes it: `'ignore'` (404, as if not there),
   * `'deny'` (403) or `'allow'`. Except with `'deny'`, the `.well-known/`
   * folder at the root is served (security.txt, OAuth metadata), though no
   * dotfile inside it. Defaults to `'ignore'`.
   */
  dotfiles?: 'ignore' | 'deny' | 'allow';
  /**
   * File name endings (`'.svg'`, `'.html'`, case-insensitive) served as
   * downloads (`Content-Disposition: attachment; filename=…`), so a browser
   * saves them rather than rendering them on the app's origin. Defaults to
   * none.
   */
  attachments?: readonly string[];
}

/** The one dot-folder served by default: RFC 8615's. */
const WELL_KNOWN = '.well-known';

/** True when a decoded path's segments name a dotfile that `dotfiles` must refuse. */
function hasRefusedDotfile(segments: readonly string[], dotfiles: string): boolean {
  if (dotfiles === 'allow') return false;
  return segments.some(
    (segment, i) =>
      segment.startsWith('.') && !(i === 0 && segment === WELL_KNOWN && dotfiles !== 'deny'),
  );
}

const ALLOW = 'GET, HEAD, OPTIONS';

/**
 * Where a folder named without its trailing slash is redirected: its
 * canonical path from the application's root with a `/`, percent-encoded
 * (a `\\` as `%5C`), and the query. It starts with one `/` followed by a
 * segment, so a browser always reads it as a path on this server.
 */
export function folderLocation(req: Request): string {
  const decoded = canonicalDecoded(req.baseUrl + req.path);
  const canonical = isProblem(decoded) ? '/' : decoded;
  const q = req.url.indexOf('?');
  const query = q === -1 ? '' : req.url.slice(q);
  return encodeLocation(encodePath(canonical.endsWith('/') ? canonical : `${canonical}/`) + query);
}
const EXAMPLE = "serveStatic('./public', { listing: true })";

/**
 * Turns serve-static's errors into ours: their messages can hold the file's
 * absolute path (`ENOENT: no such file or directory, stat '/srv/…'`), which a
 * client must not see.
 */
function sanitize(err: unknown): HttpError {
  const { status, code } = err as { status?: unknown; code?: unknown };
  // send gives 500 for file-system errors it does not know; these are the client's path.
  if (code === 'ELOOP' || code === 'EISDIR') return new HttpError(404, 'File not found.');
  if (code === 'EACCES' || code === 'EPERM') return new HttpError(403);
  switch (status) {
    case 400:
      return new HttpError(400, 'The path cannot be served.');
    case 403:
      return new HttpError(403);
    case 404:
      return new HttpError(404, 'File not found.');
    case 412:
    case 416:
      return new HttpError(status);
    default:
      return new HttpError(500, undefined, { cause: err });
  }
}

/** What the real location of a requested path allows. */
type Containment = 'inside' | 'missing' | HttpError;

/** Where a path resolved to, relative to the root's real location, or `undefined` when outside it. */
function relativeInside(realRoot: string, real: string): string | undefined {
  if (real === realRoot) return '';
  const relative = path.relative(realRoot, real);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative;
}

/**
 * Serves files under `root`, for GET and HEAD. Paths are resolved by
 * serve-static, which refuses `..` and NUL bytes; the real location of what
 * a path names (after symbolic links) must be inside the root too (else
 * 404, unless `followSymlinks`), and where a link leads is checked against
 * the secrets of an `auth()` mounted before. Dotfiles are not served (nor
 * listed). A folder named without its trailing slash is redirected to it,
 * with a Location that is always a path on this server. OPTIONS on any path
 * gets 200 with `Allow: GET, HEAD, OPTIONS`, as the original answered it.
 * Browser caching is left to `noCache()`: no `Cache-Control` is set here.
 */
export function serveStatic(root: string, opts?: ServeStaticOptions): RequestHandler {
  assertNotMiddlewareCall('serveStatic', root);
  if (typeof root !== 'string' || root === '') {
    throw new ConfigError(
      'serveStatic',
      `"root" must be a folder path (got ${show(root)}).`,
      EXAMPLE,
      'root',
    );
  }
  const options = optionsObject(
    'serveStatic',
    opts,
    ['listing', 'fallthrough', 'index', 'followSymlinks', 'dotfiles', 'attachments'],
    EXAMPLE,
  );
  const listing = booleanOption('serveStatic', options, 'listing', false, EXAMPLE);
  const fallthrough = booleanOption('serveStatic', options, 'fallthrough', true, EXAMPLE);
  const followSymlinks = booleanOption('serveStatic', options, 'followSymlinks', false, EXAMPLE);
  const dotfilesOption: unknown = options.dotfiles ?? 'ignore';
  if (dotfilesOption !== 'ignore' && dotfilesOption !== 'deny' && dotfilesOption !== 'allow') {
    throw new ConfigError(
      'serveStatic',
      `"dotfiles" must be 'ignore', 'deny' or 'allow' (got ${show(dotfilesOption)}).`,
      EXAMPLE,
      'dotfiles',
    );
  }
  const dotfiles: 'ignore' | 'deny' | 'allow' = dotfilesOption;
  const index = options.index ?? ['index.html'];
  if (
    index !== false &&
    !(Array.isArray(index) && index.every((name) => typeof name === 'string' && name))
  ) {
    throw new ConfigError(
      'serveStatic',
      `"index" must be an array of file names or false (got ${show(index)}).`,
      EXAMPLE,
      'index',
    );
  }
  const attachments = options.attachments ?? [];
  if (
    !Array.isArray(attachments) ||
    !attachments.every((ending) => typeof ending === 'string' && /^\.?[^/\\]+$/.test(ending))
  ) {
    throw new ConfigError(
      'serveStatic',
      `"attachments" must be an array of file name endings such as '.svg' (got ${show(attachments)}).`,
      EXAMPLE,
      'attachments',
    );
  }
  const endings = (attachments as string[]).map((e) =>
    (e.startsWith('.') ? e : `.${e}`).toLowerCase(),
  );
  const absoluteRoot = path.resolve(root);
  let realRoot: string | undefined;
  try {
    if (statSync(absoluteRoot).isDirectory()) realRoot = realpathSync(absoluteRoot);
  } catch {
    // Reported below.
  }
  if (realRoot === undefined) {
    throw new ConfigError('serveStatic', `root ${show(root)} is not a folder.`, EXAMPLE);
  }
  const indexNames = index === false ? [] : [...(index as string[])];
  const sendOptions = {
    index: index === false ? (false as const) : indexNames,
    // Errors come back to us; fallthrough and folder redirects are decided here.
    fallthrough: false,
    cacheControl: false,
    redirect: false,
    ...(endings.length > 0
      ? {
          setHeaders(res: Response, file: string) {
            const name = path.basename(file).toLowerCase();
            if (endings.some((ending) => name.endsWith(ending))) {
              res.attachment(path.basename(file));
            }
          },
        }
      : {}),
  };
  const files = serveStaticFiles(absoluteRoot, { ...sendOptions, dotfiles });
  // The same, for a path this middleware has cleared of refused dotfiles (.well-known/).
  const cleared = serveStaticFiles(absoluteRoot, { ...sendOptions, dotfiles: 'allow' });
  const rootDir = realRoot;

  /**
   * Checks the real location of `file` (a path under the root, decoded):
   * `'inside'` when it is in the root and the request may have it,
   * `'missing'` when it does not exist (serve-static then answers), or the
   * error to answer with: 404 outside the root or for a link loop, the
   * access check's 401/403 for a protected place a link leads to.
   *
   * Synchronous on purpose: `realpathSync.native` is one system call per
   * path component, about 5 µs here, where the asynchronous one costs three
   * times the CPU in thread-pool hand-offs on every file served.
   */
  function contain(req: Request, file: string): Containment {
    const named = path.join(rootDir, file);
    let real: string;
    try {
      real = realpathSync.native(named);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return 'missing';
      return sanitize(err);
    }
    // No link on the way: the path is where it says (a folder's trailing slash aside).
    if (real === named || `${real}${path.sep}` === named) return 'inside';
    const relative = relativeInside(rootDir, real);
    if (relative === undefined) {
      return followSymlinks ? 'inside' : new HttpError(404, 'File not found.');
    }
    // Dotfiles are not served, whatever name a link gives them.
    if (hasRefusedDotfile(relative.split(path.sep), dotfiles)) {
      return new HttpError(
        dotfiles === 'deny' ? 403 : 404,
        dotfiles === 'deny' ? undefined : 'File not found.',
      );
    }
    const denied = checkAccess(req, `${mountPath(req)}/${relative.split(path.sep).join('/')}`);
    return denied ? (denied as HttpError) : 'inside';
  }

  /**
   * {@link contain} for the file a request is served, and the access checks
   * on its own path, when they did not decide on that one: a folder's index
   * file (`/admin/` serves `/admin/index.html`), or a path an app without
   * `canonicalize()` resolves below this mount point.
   */
  function containServed(req: Request, file: string): Containment {
    const outcome = contain(req, file);
    if (outcome !== 'inside' || !hasAccessChecks(req)) return outcome;
    return (checkAccess(req, mountPath(req) + file) as HttpError | undefined) ?? outcome;
  }

  /** {@link containServed} for a path, and for a folder the index file it would serve. */
  function containWithIndex(req: Request, file: string): Containment {
    const outcome = containServed(req, file);
    if (outcome !== 'inside' || !file.endsWith('/')) return outcome;
    for (const name of indexNames) {
      const indexed = containServed(req, file + name);
      if (indexed !== 'missing') return indexed;
    }
    return outcome;
  }

  /** Lists the folder the request names when it has no index file; false when it is not such a folder. */
  async function list(decoded: string, res: Response): Promise<boolean> {
    if (hasRefusedDotfile(decoded.split('/').filter(Boolean), dotfiles)) return false;
    const folder = path.join(absoluteRoot, decoded);
    try {
      if (!(await stat(folder)).isDirectory()) return false;
    } catch {
      return false;
    }
    for (const name of indexNames) {
      try {
        if ((await stat(path.join(folder, name))).isFile()) return false;
      } catch {
        // No such index file: try the next.
      }
    }
    const entries = await readdir(folder, { withFileTypes: true });
    const shown = [];
    for (const entry of entries) {
      if (hasRefusedDotfile([...decoded.split('/').filter(Boolean), entry.name], dotfiles))
        continue;
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        try {
          isDir = (await stat(path.join(folder, entry.name))).isDirectory();
        } catch {
          // A dangling link is listed as a file.
        }
      }
      shown.push({ name: entry.name, isDirectory: isDir, isSymbolicLink: entry.isSymbolicLink() });
    }
    sendBody(
      res,
      200,
      'text/html; charset=utf-8',
      Buffer.from(renderListing(decoded, shown), 'utf8'),
    );
    return true;
  }

  /**
   * After serve-static found nothing to send: a folder named without its
   * trailing slash is redirected to it, anything else is a 404 (or passed
   * on). The Location is built from the canonical path, percent-encoded, so
   * no spelling of the request (`/\\evil.example/..%2fdir`) can make a
   * browser read it as another host.
   */
  async function notFound(req: Request, res: Response, next: NextFunction, err: unknown) {
    const original = splitTarget(req.originalUrl)?.path ?? '';
    const sent = req.path === '/' && !original.endsWith('/') ? '' : req.path;
    const decoded = canonicalPath(req);
    if (!sent.endsWith('/') && !isProblem(decoded)) {
      let folder = false;
      try {
        folder = (await stat(path.join(absoluteRoot, decoded))).isDirectory();
      } catch {
        // Not there: a 404.
      }
      if (folder) {
        res.setHeader('Location', folderLocation(req));
        return sendEmpty(res, 301);
      }
    }
    if (fallthrough) return next();
    next(sanitize(err));
  }

  return function serveStaticMiddleware(req: Request, res: Response, next: NextFunction) {
    const method = req.method;
    if (method === 'OPTIONS') return answerOptions(req, res, ALLOW, true);
    if (method !== 'GET' && method !== 'HEAD') {
      if (fallthrough) return next();
      res.setHeader('Allow', ALLOW);
      return next(new HttpError(405, undefined, { headers: { Allow: ALLOW } }));
    }
    const decoded = canonicalPath(req);
    const handler =
      !isProblem(decoded) &&
      dotfiles !== 'deny' &&
      decoded.startsWith(`/${WELL_KNOWN}/`) &&
      !hasRefusedDotfile(decoded.split('/').filter(Boolean), dotfiles)
        ? cleared
        : files;
    const serve = () =>
      handler(req, res, (err?: unknown) => {
        if (!err) return next();
        const status = (err as { status?: unknown }).status;
        if (status === 404) return void notFound(req, res, next, err).catch(next);
        const error = sanitize(err);
        // serve-static passes its 4xx on when falling through.
        if (fallthrough && error.status < 500) return next();
        next(error);
      });
    // serve-static answers a path it cannot decode with its own 400.
    if (isProblem(decoded)) return serve();
    const outcome = containWithIndex(req, decoded);
    if (outcome instanceof HttpError) {
      return fallthrough && outcome.status === 404 ? next() : next(outcome);
    }
    if (listing && decoded.endsWith('/')) {
      list(decoded, res).then((listed) => {
        if (!listed) serve();
      }, next);
      return;
    }
    serve();
  };
}
