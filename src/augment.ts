// The declaration merging that types what mixnmatch adds to Express's Request and Response.
import type { EndpointMatch } from './endpoints';
import type { TemplateFields, TemplatePage } from './templates';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The endpoint a handler of `endpoints()` serves: its `root`, `sub`,
       * `args`, `argv` and `params`. Set by `endpoints()` just before it
       * calls the handler.
       */
      endpoint: EndpointMatch;
      /**
       * The request's path percent-decoded but not canonicalised (`/a/../b`
       * stays so), from the application's root. Defined on the app's own
       * request prototype once `canonicalize()` or an `endpoints()` router
       * has seen a request of that app; `undefined` in other apps.
       */
      readonly rawPath: string;
    }
    interface Response {
      /**
       * The page of a template (or a page by its own name) with its fields
       * and then `fields` substituted. Needs `templates()` mounted earlier
       * (it defines the method on the app's own response prototype).
       */
      pageFromTemplate(name: string, fields?: TemplateFields): TemplatePage;
      /**
       * Sends `pageFromTemplate(name, fields)` with `status` (200 by
       * default), its Content-Type and Content-Length. Needs `templates()`.
       */
      renderTemplate(name: string, fields?: TemplateFields, status?: number): void;
    }
  }
}

export {};
