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

// Every router, the command's app and the stores, as a TypeScript user writes them.
const full = express();
full.use(mixnmatch.requestLog({ format: 'json', bodies: true }));
full.use(mixnmatch.cors({ origins: ['https://a.test'], allowCredentials: true }));
full.use(
  mixnmatch.auth({
    secrets: ['secret', { path: '/admin', roles: ['admin'] }],
    users: [
      { username: 'alice', password: 'wonderland1', roles: ['admin'] },
      { username: 'bob', passwordHash: '$scrypt$ln=15,r=8,p=1$…' },
    ],
    register: (_req, username) => username.endsWith('@corp.test'),
    lockout: { attempts: 3, window: 60_000, store: new mixnmatch.MemoryLockoutStore() },
    store: new mixnmatch.MemorySessionStore({ maxSessions: 10 }),
  }),
);
full.use(mixnmatch.goto({ allowedHosts: (host) => host.endsWith('.test') }));
full.use(
  '/api',
  mixnmatch.cache({
    maxSize: 1 << 20,
    statusCodes: 'mixnmatchttp',
    store: new mixnmatch.MemoryPageStore(),
  }),
);
full.get('/me', mixnmatch.requireSession({ roles: ['admin'] }), (req, res) => {
  const session: mixnmatch.Session | undefined = mixnmatch.getSession(req);
  const user: mixnmatch.SessionUser | undefined = session?.user;
  res.send(user?.username ?? session?.id);
});
const created: express.Express = mixnmatch.createApp({
  root: '.',
  cacheable: /\.js$/,
  cors: false,
  log: false,
});
void created;
const hashed: Promise<string> = mixnmatch.hashPassword('pw', {
  ...mixnmatch.DEFAULT_SCRYPT,
  cost: 1 << 16,
});
void hashed;
// @ts-expect-error: statusCodes is 'http' or 'mixnmatchttp'
mixnmatch.cache({ statusCodes: 'python' });
