// The templates() middleware: named pages with $FIELD placeholders, and the res helpers that fill and send them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import mime from 'mime-types';
import { ConfigError, HttpError } from '../shared/errors';
import { assertNotMiddlewareCall, isPlainObject, optionsObject, show } from '../shared/options';
import { defineForApp } from '../shared/prototype';
import { sendBody } from '../http/respond';
import { substituteFinal, substitutePartial, type TemplateFields } from './substitute';

export type { TemplateFields } from './substitute';

/** A page: its body with `$NAME` / `${NAME}` fields, and its Content-Type. */
export interface TemplatePage {
  /** The page body. */
  data: string;
  /** The Content-Type it is sent with, such as `text/html`. */
  type: string;
}

/**
 * A page kept in a file, read (as UTF-8) when it is first used and again
 * whenever the file changes: a page edited while the server runs is sent
 * new on the next request.
 */
export interface TemplateFile {
  /** The file, relative to the working directory. */
  file: string;
  /** The Content-Type; defaults to the one its name says (`.html`: `text/html`). */
  type?: string;
}

/** A template: a page and the fields to fill it with. */
export interface Template {
  /** The name of the page; a missing page means the built-in `default`. Defaults to `'default'`. */
  page?: string;
  /** Field values substituted first; a value may hold further `$FIELD`s for the dynamic fields. Defaults to `{}`. */
  fields?: Readonly<Record<string, string | number>>;
}

/** Options for {@link templates}. */
export interface TemplatesOptions {
  /** Pages by name, besides the built-in `default` (an HTML5 skeleton with `$HEAD` and `$BODY`): a page, or a file. Defaults to `{}`. */
  pages?: Readonly<Record<string, TemplatePage | TemplateFile>>;
  /**
   * A folder of pages: each file in it is a page named by its file name
   * without its extension (`payload.html` is `payload`), its type from the
   * extension, read again when it changes; a file added later is found.
   * Pages given in `pages` come first. Defaults to none.
   */
  pagesDir?: string;
  /** Templates by name. Defaults to `{}`. */
  templates?: Readonly<Record<string, Template>>;
}

/** The built-in `default` page: an HTML5 skeleton with `$HEAD` and `$BODY`. */
export const DEFAULT_PAGE: Readonly<TemplatePage> = Object.freeze({
  data: `<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8" />
$HEAD
</head>
<body>
$BODY
</body>
</html>
`,
  type: 'text/html',
});

/** Where a page comes from: fixed, a file read again when it changes, or a template over another page. */
interface Source {
  /** The page as it is now (the same object while it has not changed). */
  read(): TemplatePage;
}

/** The templates visible to one response: the innermost templates() first. */
interface Registry {
  readonly own: ReadonlyMap<string, Source>;
  /** The pages of `pagesDir`, looked up by name after `own`. */
  readonly dir: PagesDir | undefined;
  readonly parent: Registry | undefined;
}

const registries = new WeakMap<Response, Registry>();

/** A page that never changes. */
function fixed(page: TemplatePage): Source {
  return { read: () => page };
}

/** A page in a file: read when first used, and again when its size, time or inode changes. */
class FileSource implements Source {
  #stamp = '';
  #page: TemplatePage | undefined;

  constructor(
    readonly file: string,
    readonly type: string,
  ) {}

  read(): TemplatePage {
    const stat = statSync(this.file);
    const stamp = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    if (stamp !== this.#stamp || !this.#page) {
      this.#page = { data: readFileSync(this.file, 'utf8'), type: this.type };
      this.#stamp = stamp;
    }
    return this.#page;
  }
}

/** A template: a page (found when used) with its own fields substituted, again only when the page changed. */
class TemplateSource implements Source {
  #base: TemplatePage | undefined;
  #page: TemplatePage | undefined;

  constructor(
    readonly base: () => Source,
    readonly fields: TemplateFields,
  ) {}

  read(): TemplatePage {
    const base = this.base().read();
    if (base !== this.#base || !this.#page) {
      this.#page = { data: substitutePartial(base.data, this.fields), type: base.type };
      this.#base = base;
    }
    return this.#page;
  }
}

/**
 * The pages of a folder, by file name without its extension. A name is
 * looked for among the folder's entries (never joined into a path), so no
 * name reaches a file outside it; a file added later is found on its first use.
 */
class PagesDir {
  readonly #found = new Map<string, FileSource>();

  constructor(readonly dir: string) {}

  find(name: string): Source | undefined {
    const known = this.#found.get(name);
    if (known && existsSync(known.file)) return known;
    this.#found.delete(name);
    for (const entry of readdirSync(this.dir, { withFileTypes: true })) {
      if (!entry.isFile() || entry.name.startsWith('.')) continue;
      const dot = entry.name.lastIndexOf('.');
      const base = dot > 0 ? entry.name.slice(0, dot) : entry.name;
      if (base !== name) continue;
      const source = new FileSource(path.join(this.dir, entry.name), typeOfFile(entry.name));
      this.#found.set(name, source);
      return source;
    }
    return undefined;
  }
}

/** The Content-Type a file's name says, or `application/octet-stream`. */
function typeOfFile(file: string): string {
  return mime.lookup(file) || 'application/octet-stream';
}

const MIME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*;.*)?$/;
const EXAMPLE =
  "templates({ pages: { simple: { data: '<p>$BODY</p>', type: 'text/html' } }, templates: { hello: { page: 'simple', fields: { BODY: 'Hello $name' } } } })";

function checkPage(name: string, page: unknown): Source {
  if (isPlainObject(page) && typeof page.file === 'string') {
    for (const key of Object.keys(page)) {
      if (key !== 'file' && key !== 'type') {
        throw new ConfigError(
          'templates',
          `page "${name}" has an unknown key "${key}" (a file page: file, type).`,
          EXAMPLE,
        );
      }
    }
    const file = path.resolve(page.file);
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
    } catch {
      throw new ConfigError(
        'templates',
        `page "${name}": no such file ${show(page.file)}.`,
        EXAMPLE,
      );
    }
    const type = page.type ?? typeOfFile(file);
    if (typeof type !== 'string' || !MIME.test(type)) {
      throw new ConfigError(
        'templates',
        `page "${name}" has an invalid type ${show(type)}: it must be a MIME type such as "text/html".`,
        EXAMPLE,
      );
    }
    return new FileSource(file, type);
  }
  if (!isPlainObject(page) || typeof page.data !== 'string' || typeof page.type !== 'string') {
    throw new ConfigError(
      'templates',
      `page "${name}" must be { data: string, type: string } or { file: string } (got ${show(page)}).`,
      EXAMPLE,
    );
  }
  if (!MIME.test(page.type)) {
    throw new ConfigError(
      'templates',
      `page "${name}" has an invalid type ${show(page.type)}: it must be a MIME type such as "text/html".`,
      EXAMPLE,
    );
  }
  return fixed({ data: page.data, type: page.type });
}

function checkTemplate(name: string, template: unknown): { page: string; fields: TemplateFields } {
  if (!isPlainObject(template)) {
    throw new ConfigError(
      'templates',
      `template "${name}" must be { page?, fields? } (got ${show(template)}).`,
      EXAMPLE,
    );
  }
  for (const key of Object.keys(template)) {
    if (key !== 'page' && key !== 'fields') {
      throw new ConfigError(
        'templates',
        `template "${name}" has an unknown key "${key}" (keys: page, fields).`,
        EXAMPLE,
      );
    }
  }
  const page = template.page ?? 'default';
  if (typeof page !== 'string') {
    throw new ConfigError(
      'templates',
      `template "${name}": "page" must be a page name (got ${show(page)}).`,
      EXAMPLE,
    );
  }
  const fields = template.fields ?? {};
  if (!isPlainObject(fields)) {
    throw new ConfigError(
      'templates',
      `template "${name}": "fields" must be an object of strings (got ${show(fields)}).`,
      EXAMPLE,
    );
  }
  for (const [field, value] of Object.entries(fields)) {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new ConfigError(
        'templates',
        `template "${name}": field "${field}" must be a string (got ${show(value)}).`,
        EXAMPLE,
      );
    }
  }
  return { page, fields };
}

function find(registry: Registry | undefined, name: string): TemplatePage | undefined {
  for (let r = registry; r; r = r.parent) {
    const source = r.own.get(name) ?? r.dir?.find(name);
    if (source) return source.read();
  }
  return undefined;
}

function pageFromTemplate(this: Response, name: string, fields: TemplateFields = {}): TemplatePage {
  const page = find(registries.get(this), name);
  if (!page) {
    throw new TypeError(
      `res.pageFromTemplate(): there is no template or page named ${show(name)}; add it to templates().`,
    );
  }
  return { data: substituteFinal(page.data, fields), type: page.type };
}

function renderTemplate(
  this: Response,
  name: string,
  fields: TemplateFields = {},
  status = 200,
): void {
  const page = this.pageFromTemplate(name, fields);
  sendBody(this, status, page.type, Buffer.from(page.data, 'utf8'));
}

/** Puts the helpers on the app's response prototype, rather than on every response. */
function installHelpers(res: Response): void {
  defineForApp(res, 'response', 'pageFromTemplate', { writable: true, value: pageFromTemplate });
  defineForApp(res, 'response', 'renderTemplate', { writable: true, value: renderTemplate });
}

/**
 * Makes pages and templates available to later handlers through
 * `res.pageFromTemplate(name, fields)` (the filled page) and
 * `res.renderTemplate(name, fields, status)` (sends it). A template's own
 * fields are substituted first (once, here), then the dynamic fields, then
 * any `$name` left over is removed; `$$` is a literal `$`. Nested
 * `templates()` add to the outer ones, inner names first.
 */
export function templates(opts?: TemplatesOptions): RequestHandler {
  assertNotMiddlewareCall('templates', opts);
  const options = optionsObject('templates', opts, ['pages', 'templates', 'pagesDir'], EXAMPLE);
  for (const key of ['pages', 'templates'] as const) {
    if (options[key] !== undefined && !isPlainObject(options[key])) {
      throw new ConfigError(
        'templates',
        `"${key}" must be an object by name (got ${show(options[key])}).`,
        EXAMPLE,
        key,
      );
    }
  }
  let dir: PagesDir | undefined;
  if (options.pagesDir !== undefined) {
    const folder =
      typeof options.pagesDir === 'string' ? path.resolve(options.pagesDir) : undefined;
    let isDir: boolean;
    try {
      isDir = folder !== undefined && statSync(folder).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) {
      throw new ConfigError(
        'templates',
        `"pagesDir" must be a folder (got ${show(options.pagesDir)}).`,
        "templates({ pagesDir: './pages' })",
        'pagesDir',
      );
    }
    dir = new PagesDir(folder!);
  }
  const own = new Map<string, Source>([['default', fixed(DEFAULT_PAGE)]]);
  // A page can be rendered by its own name, with no template fields.
  for (const [name, page] of Object.entries((options.pages ?? {}) as Record<string, unknown>)) {
    own.set(name, checkPage(name, page));
  }
  const pages = new Map(own);
  const baseOf = (page: string) => () => pages.get(page) ?? dir?.find(page) ?? fixed(DEFAULT_PAGE);
  for (const [name, template] of Object.entries(
    (options.templates ?? {}) as Record<string, unknown>,
  )) {
    const { page, fields } = checkTemplate(name, template);
    own.set(name, new TemplateSource(baseOf(page), fields));
  }
  const registry: Registry = { own, dir, parent: undefined };

  return function templatesMiddleware(_req: Request, res: Response, next: NextFunction) {
    installHelpers(res);
    const parent = registries.get(res);
    registries.set(res, parent ? { own, dir, parent } : registry);
    next();
  };
}

/** What a page name in a URL may be (a page of `pagesDir` is named by its file's). */
const PAGE_NAME = /^[\w.-]{1,128}$/;

/**
 * `templates(opts)` and a route that serves its pages and templates:
 * `GET /templates/{name}?FIELD=value` sends the named page with each query
 * parameter as a field (the first value of each), the fields nobody gave
 * removed; an unknown name is 404. The command's `--templates DIR`.
 */
export function templatePages(opts?: TemplatesOptions): RequestHandler[] {
  const install = templates(opts);
  const serve: RequestHandler = (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const match = /^\/templates\/([^/]+)$/.exec(req.path);
    if (!match) return next();
    const name = match[1]!;
    if (!PAGE_NAME.test(name)) return next(new HttpError(404, 'No such template or page.'));
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [field, value] of new URLSearchParams(req.url.slice(req.path.length + 1))) {
      if (!(field in fields)) fields[field] = value;
    }
    let page: TemplatePage;
    try {
      page = res.pageFromTemplate(name, fields);
    } catch (err) {
      if (err instanceof TypeError) return next(new HttpError(404, 'No such template or page.'));
      throw err;
    }
    sendBody(res, 200, page.type, Buffer.from(page.data, 'utf8'));
  };
  return [install, serve];
}
