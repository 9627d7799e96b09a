// The templates() middleware: named pages with $FIELD placeholders, and the res helpers that fill and send them.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ConfigError } from '../shared/errors';
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

/** A template: a page and the fields to fill it with. */
export interface Template {
  /** The name of the page; a missing page means the built-in `default`. Defaults to `'default'`. */
  page?: string;
  /** Field values substituted first; a value may hold further `$FIELD`s for the dynamic fields. Defaults to `{}`. */
  fields?: Readonly<Record<string, string | number>>;
}

/** Options for {@link templates}. */
export interface TemplatesOptions {
  /** Pages by name, besides the built-in `default` (an HTML5 skeleton with `$HEAD` and `$BODY`). Defaults to `{}`. */
  pages?: Readonly<Record<string, TemplatePage>>;
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

/** A template with its static fields already substituted. */
interface Prepared {
  readonly data: string;
  readonly type: string;
}

/** The templates visible to one response: the innermost templates() first. */
interface Registry {
  readonly own: ReadonlyMap<string, Prepared>;
  readonly parent: Registry | undefined;
}

const registries = new WeakMap<Response, Registry>();

const MIME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(\s*;.*)?$/;
const EXAMPLE =
  "templates({ pages: { simple: { data: '<p>$BODY</p>', type: 'text/html' } }, templates: { hello: { page: 'simple', fields: { BODY: 'Hello $name' } } } })";

function checkPage(name: string, page: unknown): TemplatePage {
  if (!isPlainObject(page) || typeof page.data !== 'string' || typeof page.type !== 'string') {
    throw new ConfigError(
      'templates',
      `page "${name}" must be { data: string, type: string } (got ${show(page)}).`,
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
  return { data: page.data, type: page.type };
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

function find(registry: Registry | undefined, name: string): Prepared | undefined {
  for (let r = registry; r; r = r.parent) {
    const prepared = r.own.get(name);
    if (prepared) return prepared;
  }
  return undefined;
}

function pageFromTemplate(this: Response, name: string, fields: TemplateFields = {}): TemplatePage {
  const prepared = find(registries.get(this), name);
  if (!prepared) {
    throw new TypeError(
      `res.pageFromTemplate(): there is no template or page named ${show(name)}; add it to templates().`,
    );
  }
  return { data: substituteFinal(prepared.data, fields), type: prepared.type };
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
  const options = optionsObject('templates', opts, ['pages', 'templates'], EXAMPLE);
  const pages = new Map<string, TemplatePage>([['default', DEFAULT_PAGE]]);
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
  for (const [name, page] of Object.entries((options.pages ?? {}) as Record<string, unknown>)) {
    pages.set(name, checkPage(name, page));
  }
  const own = new Map<string, Prepared>();
  // A page can be rendered by its own name, with no template fields.
  for (const [name, page] of pages) own.set(name, { data: page.data, type: page.type });
  for (const [name, template] of Object.entries(
    (options.templates ?? {}) as Record<string, unknown>,
  )) {
    const { page, fields } = checkTemplate(name, template);
    const base = pages.get(page) ?? DEFAULT_PAGE;
    own.set(name, { data: substitutePartial(base.data, fields), type: base.type });
  }
  const registry: Registry = { own, parent: undefined };

  return function templatesMiddleware(_req: Request, res: Response, next: NextFunction) {
    installHelpers(res);
    const parent = registries.get(res);
    registries.set(res, parent ? { own, parent } : registry);
    next();
  };
}
