// The original's Quick start (MyHandler) rebuilt with mixnmatch: endpoints, templates, deny, no-cache, a custom header.
import path from 'node:path';
import express, { type Express } from 'express';
import * as mixnmatch from 'mixnmatch';

const { ARGS_ANY, ARGS_OPTIONAL } = mixnmatch;

/** The endpoints of MyHandler: `default`, `refreshme` with an optional argument, `debug` with one and its `sub`. */
const spec: mixnmatch.EndpointSpec = {
  default: {},
  refreshme: { args: ARGS_OPTIONAL },
  debug: {
    methods: ['GET', 'POST'],
    args: 1,
    children: {
      sub: { args: ARGS_ANY, rawArgs: true }, // don't canonicalise the arguments
    },
  },
};

const handlers: mixnmatch.EndpointHandlers = {
  /** /default: an empty 200. */
  default(_req, res) {
    res.end();
  },
  /** /refreshme[/SECONDS]: a page that refreshes every SECONDS (30 by default). */
  refreshme(req, res) {
    const interval = req.endpoint.args || '30';
    if (!/^\d{1,6}$/.test(interval)) {
      res.status(400).type('text/plain').send('The interval must be a number of seconds.');
      return;
    }
    res.renderTemplate('refresh', { interval });
  },
  /** /debug/ARG and /debug/sub/ANYTHING: says which endpoint was called. */
  debug(req, res) {
    const { root, sub, args } = req.endpoint;
    res.renderTemplate('debug', { root, sub, args });
  },
};

/** Builds the quick-start app, serving files from `root` for paths that are not endpoints. */
export function createQuickStartApp(root = path.join(__dirname, 'public')): Express {
  const app = express();
  app.use(mixnmatch.canonicalize());
  app.use(mixnmatch.headers({ 'X-Foo': 'Foobar' }));
  // Only allow caching of scripts.
  app.use(mixnmatch.noCache((req) => !req.path.endsWith('.js')));
  // Deny access to /forbidden.
  app.use(
    mixnmatch.deny((req) =>
      /^\/forbidden(\/|$)/.test(req.path) ? [403, null, 'Access denied'] : undefined,
    ),
  );
  app.use(
    mixnmatch.templates({
      pages: {
        simpletxt: { data: '$CONTENT', type: 'text/plain' },
        simplehtml: {
          data: `<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8" />
$HEAD
<title>$TITLE</title>
</head>
<body>
$BODY
</body>
</html>
`,
          type: 'text/html',
        },
      },
      templates: {
        refresh: {
          page: 'simplehtml',
          fields: {
            HEAD: '<meta http-equiv="refresh" content="${interval}">',
            TITLE: 'Example',
            BODY: '<h1>Example page, will refresh every ${interval}s.</h1>',
          },
        },
        debug: {
          page: 'simpletxt',
          fields: { CONTENT: 'You called endpoint /$root/$sub$args' },
        },
      },
    }),
  );
  app.use(mixnmatch.endpoints(spec, handlers));
  app.use(mixnmatch.serveStatic(root, { fallthrough: false }));
  app.use(mixnmatch.errorHandler());
  return app;
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 58080);
  // Express 5 hands a listen error (the port taken, say) to the callback.
  const server = createQuickStartApp().listen(port, '127.0.0.1', (err?: Error) => {
    if (err) {
      const taken = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      console.error(
        `quick-start example: cannot listen on 127.0.0.1:${port}: ${err.message}${taken ? ' (set PORT to another port, or PORT=0 for any free one)' : ''}`,
      );
      process.exitCode = 1;
      return;
    }
    const { port: listening } = server.address() as { port: number };
    console.log(`quick-start example listening on http://127.0.0.1:${listening}/`);
  });
}
