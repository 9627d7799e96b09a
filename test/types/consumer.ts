// Compiled by `npm run typecheck`: what a TypeScript user of the package writes must type-check.
import express from 'express';
import * as mixnmatch from 'mixnmatch';
import { ARGS_ANY, ARGS_OPTIONAL, type EndpointSpec } from 'mixnmatch';

// A spec written as a plain literal keeps the ARGS_* literal types.
const spec = {
  refreshme: { args: ARGS_OPTIONAL },
  debug: {
    methods: ['GET', 'POST'],
    args: 1,
    children: { sub: { args: ARGS_ANY, rawArgs: true } },
  },
};
const typed: EndpointSpec = spec;

const app = express();
app.use(mixnmatch.canonicalize());
app.use(mixnmatch.templates({ pages: { p: { data: '$BODY', type: 'text/plain' } } }));
app.use(
  mixnmatch.endpoints(typed, {
    refreshme(req, res) {
      const args: string = req.endpoint.args;
      const argv: string[] = req.endpoint.argv;
      const raw: string = req.rawPath;
      const page: mixnmatch.TemplatePage = res.pageFromTemplate('p', {
        BODY: args + argv.join() + raw,
      });
      res.type(page.type).send(page.data);
    },
    debug(req, res) {
      res.renderTemplate('p', { BODY: req.endpoint.params.name ?? '' }, 201);
    },
  }),
);
app.use(mixnmatch.deny((req) => (req.path === '/x' ? [403, null, 'no'] : undefined)));
app.use(mixnmatch.noCache((req) => !req.path.endsWith('.js')));
app.use(mixnmatch.headers({ 'X-Foo': 'Foobar' }));
app.use(mixnmatch.serveStatic('.', { listing: true }));
app.use(mixnmatch.errorHandler({ stack: false }));

const err: mixnmatch.HttpError = new mixnmatch.MethodNotAllowedError(['GET']);
const status: number = err.status;
void status;

// @ts-expect-error: args must be a count or an ARGS_* constant
const bad: EndpointSpec = { a: { args: 'many' } };
void bad;
// @ts-expect-error: listing is a boolean
mixnmatch.serveStatic('.', { listing: 'yes' });
