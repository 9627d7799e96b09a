// The serveStatic() fallback: serve-static underneath, never outside the root, with optional folder listings.
import { readdir, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import serveStaticFiles from 'serve-static';
import { ConfigError, HttpError } from '../errors';
import { assertNotMiddlewareCall, booleanOption, optionsObject, show } from '../options';
import { canonicalDecoded } from '../path';
import { answerOptions, sendBody } from '../respond';
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
}

const ALLOW = 'GET, HEAD, OPTIONS';
const EXAMPLE = "serveStatic('./public', { listing: true })";

/**
 * Turns serve-static's errors into ours: their messages can hold the file's
 * absolute path (`ENOENT: no such file or directory, stat '/srv/…'`), which a
 * client must not see.
 */
function sanitize(err: unknown): HttpError {
  const status = (err as { status?: unknown }).status;
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

/**
 * Serves files under `root`, for GET and HEAD. Paths are resolved by
 * serve-static, which refuses `..` and NUL bytes, so nothing outside `root`
 * is served; dotfiles are not served (nor listed). OPTIONS on any path gets
 * 200 with `Allow: GET, HEAD, OPTIONS`, as the original answered it.
 * Browser caching is left to `noCache()`: no `Cache-Control` is set here.
 */
export function serveStatic(root: string, opts?: ServeStaticOptions): RequestHandler {
  assertNotMiddlewareCall('serveStatic', root);
  if (typeof root !== 'string' || root === '') {
    throw new ConfigError(
      'serveStatic',
      `"root" must be a folder path (got ${show(root)}).`,
      EXAMPLE,
    );
  }
  const options = optionsObject('serveStatic', opts, ['listing', 'fallthrough', 'index'], EXAMPLE);
  const listing = booleanOption('serveStatic', options, 'listing', false, EXAMPLE);
  const fallthrough = booleanOption('serveStatic', options, 'fallthrough', true, EXAMPLE);
  const index = options.index ?? ['index.html'];
  if (
    index !== false &&
    !(Array.isArray(index) && index.every((name) => typeof name === 'string' && name))
  ) {
    throw new ConfigError(
      'serveStatic',
      `"index" must be an array of file names or false (got ${show(index)}).`,
      EXAMPLE,
    );
  }
  const absoluteRoot = path.resolve(root);
  let isDirectory = false;
  try {
    isDirectory = statSync(absoluteRoot).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDirectory) {
    throw new ConfigError('serveStatic', `root ${show(root)} is not a folder.`, EXAMPLE);
  }
  const indexNames = index === false ? [] : [...(index as string[])];
  const files = serveStaticFiles(absoluteRoot, {
    dotfiles: 'ignore',
    index: index === false ? false : indexNames,
    fallthrough,
    cacheControl: false,
    redirect: true,
  });

  /** Lists the folder the request names when it has no index file; false when it is not such a folder. */
  async function list(req: Request, res: Response): Promise<boolean> {
    const decoded = canonicalDecoded(req.path);
    if (decoded === 'malformed' || decoded === 'nul') return false;
    if (decoded.split('/').some((segment) => segment.startsWith('.'))) return false;
    const folder = path.join(absoluteRoot, decoded);
    if (folder !== absoluteRoot && !folder.startsWith(absoluteRoot + path.sep)) return false;
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
      if (entry.name.startsWith('.')) continue;
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

  return function serveStaticMiddleware(req: Request, res: Response, next: NextFunction) {
    const method = req.method;
    if (method === 'OPTIONS') return answerOptions(req, res, ALLOW, true);
    if (method !== 'GET' && method !== 'HEAD') {
      if (fallthrough) return next();
      res.setHeader('Allow', ALLOW);
      return next(new HttpError(405, undefined, { headers: { Allow: ALLOW } }));
    }
    const serve = () => files(req, res, (err?: unknown) => (err ? next(sanitize(err)) : next()));
    if (listing && req.path.endsWith('/')) {
      list(req, res).then((listed) => {
        if (!listed) serve();
      }, next);
      return;
    }
    serve();
  };
}
