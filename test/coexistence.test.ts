// mixnmatch as a good citizen in other people's apps: beside express-session and cookie-parser, no shared prototypes touched, real Routers.
import { createServer, IncomingMessage } from 'node:http';
import path from 'node:path';
import cookieParser from 'cookie-parser';
import express from 'express';
import expressSession from 'express-session';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { ARGS_ANY } from 'mixnmatch';
import { tempTree } from './helpers';

declare module 'express-session' {
  interface SessionData {
    visits: number;
  }
}

/** Every own property of an object, with its descriptor, for before/after comparisons. */
function snapshot(object: object): Record<string, PropertyDescriptor> {
  return Object.getOwnPropertyDescriptors(object);
}

const tree = tempTree({ 'root/index.html': 'home', 'root/secret/s.txt': 'PROTECTED' });
afterAll(() => tree.remove());
const root = path.join(tree.root, 'root');

/** An app with express-session and cookie-parser, and every mixnmatch router beside them. */
function everything(): express.Express {
  const app = express();
  app.use(cookieParser('cookie-secret'));
  app.use(expressSession({ secret: 'session-secret', resave: false, saveUninitialized: false }));
  app.use(mixnmatch.requestLog({ stream: { write: () => true } }));
  app.use(mixnmatch.canonicalize());
  app.use(mixnmatch.headers({ 'X-Foo': 'Foo' }));
  app.use(mixnmatch.noCache());
  app.use(mixnmatch.cors());
  app.use(mixnmatch.templates({ templates: { hi: { fields: { BODY: 'hi $who' } } } }));
  app.use(
    mixnmatch.auth({
      secrets: ['secret'],
      users: [{ username: 'ann', password: 'annie-password' }],
      scrypt: { cost: 1024 },
    }),
  );
  app.use(mixnmatch.goto());
  app.use(mixnmatch.cache());
  app.use(
    mixnmatch.endpoints(
      { hello: { args: ARGS_ANY } },
      { hello: (req, res) => res.renderTemplate('hi', { who: req.endpoint.argv.join(' ') }) },
    ),
  );
  // The app's own routes, on express-session's session.
  app.get('/visits', (req, res) => {
    req.session.visits = (req.session.visits ?? 0) + 1;
    res.json({
      visits: req.session.visits,
      mixnmatch: mixnmatch.getSession(req)?.user?.username ?? null,
      signed: req.signedCookies,
    });
  });
  app.get('/mine', mixnmatch.requireSession(), (req, res) => {
    res.send(`mixnmatch session of ${mixnmatch.getSession(req)!.user!.username}`);
  });
  app.use(mixnmatch.serveStatic(root, { fallthrough: false }));
  app.use(mixnmatch.errorHandler({ log: false }));
  return app;
}

describe('beside express-session and cookie-parser', () => {
  it('keeps both kinds of session working side by side, every request answered', async () => {
    const agent = request.agent(everything());
    // express-session's session first, then a mixnmatch login on top of it.
    expect((await agent.get('/visits')).body).toMatchObject({ visits: 1, mixnmatch: null });
    const login = await agent
      .post('/login')
      .type('form')
      .send({ username: 'ann', password: 'annie-password' });
    expect(login.status).toBe(200);
    // The request right after the login is answered (express-session's res.end used to throw).
    expect((await agent.get('/visits')).body).toMatchObject({ visits: 2, mixnmatch: 'ann' });
    expect((await agent.get('/secret/s.txt')).text).toBe('PROTECTED');
    expect((await agent.get('/mine')).text).toBe('mixnmatch session of ann');
    expect((await agent.get('/hello/a/b')).text).toContain('hi a b');
    expect((await agent.get('/visits')).body).toMatchObject({ visits: 3, mixnmatch: 'ann' });
    // Logging out of mixnmatch leaves express-session's session alone.
    expect((await agent.get('/logout')).status).toBe(200);
    expect((await agent.get('/visits')).body).toMatchObject({ visits: 4, mixnmatch: null });
  });

  it('lets no request through on an express-session session alone', async () => {
    const agent = request.agent(everything());
    expect((await agent.get('/visits')).body.visits).toBe(1);
    expect((await agent.get('/mine')).status).toBe(401);
    expect((await agent.get('/secret/s.txt')).status).toBe(401);
  });

  it('leaves req.session to express-session', async () => {
    const app = express();
    app.use(expressSession({ secret: 's', resave: false, saveUninitialized: true }));
    app.use(mixnmatch.auth());
    app.get('/check', (req, res) => {
      res.json({ expressSession: typeof req.session.regenerate, id: req.sessionID.length > 0 });
    });
    const agent = request.agent(app);
    await agent.get('/login');
    expect((await agent.get('/check')).body).toEqual({ expressSession: 'function', id: true });
  });

  it('says requireSession() needs an auth() before it when none saw the request', async () => {
    const errors: string[] = [];
    const app = express().get('/x', mixnmatch.requireSession(), (_req, res) => {
      res.send('no');
    });
    app.use(
      (err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        errors.push(err.message);
        res.status(500).end();
      },
    );
    // Another app with an auth() exists in the process: that must not matter.
    express().use(mixnmatch.auth());
    expect((await request(app).get('/x')).status).toBe(500);
    expect(errors).toEqual([
      'requireSession() needs mixnmatch.auth() mounted before it; no auth() saw this request.',
    ]);
  });
});

describe("Express's shared prototypes", () => {
  it('are exactly as they were after creating every factory and serving requests', async () => {
    const requestBefore = snapshot(express.request);
    const responseBefore = snapshot(express.response);
    const app = everything();
    const created = mixnmatch.createApp({ root });
    for (const target of ['/', '/hello/x', '/goto/http://x/', '/cache/new', '/a/../secret/s.txt']) {
      await request(app).get(target);
      await request(created).get(target);
    }
    expect(snapshot(express.request)).toEqual(requestBefore);
    expect(snapshot(express.response)).toEqual(responseBefore);
  });

  it('give an app that mounts nothing of mixnmatch none of its helpers', async () => {
    await request(everything()).get('/hello/x');
    const other = express().get('/', (req, res) => {
      res.json({
        rawPath: 'rawPath' in req,
        endpoint: 'endpoint' in req,
        renderTemplate: 'renderTemplate' in res,
        pageFromTemplate: 'pageFromTemplate' in res,
      });
    });
    expect((await request(other).get('/')).body).toEqual({
      rawPath: false,
      endpoint: false,
      renderTemplate: false,
      pageFromTemplate: false,
    });
  });

  it("gives the helpers to the app that mounts them, on that app's own prototypes", async () => {
    const app = everything();
    await request(app).get('/hello/x');
    expect(Object.getOwnPropertyNames(app.request)).toEqual(
      expect.arrayContaining(['rawPath', 'endpoint']),
    );
    expect(Object.getOwnPropertyNames(app.response)).toEqual(
      expect.arrayContaining(['renderTemplate', 'pageFromTemplate']),
    );
  });

  it('works for a Router on a bare http server, with no app at all', async () => {
    const router = mixnmatch.endpoints(
      { echo: { args: ARGS_ANY, rawArgs: true } },
      { echo: (req, res) => res.end(`${req.endpoint.args} ${req.rawPath}`) },
    );
    const server = createServer((req, res) => {
      router(req as express.Request, res as express.Response, () => {
        res.statusCode = 404;
        res.end();
      });
    });
    const res = await request(server).get('/echo/a/../b');
    expect(res.text).toBe('a/../b /echo/a/../b');
    expect('endpoint' in IncomingMessage.prototype).toBe(false);
  });
});

describe('the routers the factories return', () => {
  const blank = express.Router();

  it.each([
    ['auth', () => mixnmatch.auth()],
    ['goto', () => mixnmatch.goto()],
    ['cache', () => mixnmatch.cache()],
    ['endpoints', () => mixnmatch.endpoints({ e: {} }, { e: (_req, res) => res.send('e') })],
  ] as const)('%s() is a real express.Router with its own handle', (_name, make) => {
    const router = make();
    const handle = (r: unknown) => (r as { handle: unknown }).handle;
    expect(router instanceof express.Router).toBe(true);
    expect(handle(router) === handle(blank)).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(router, 'handle')).toBe(false);
  });

  it('take routes a user adds to them, after their own', async () => {
    const cache = mixnmatch.cache();
    cache.get('/x', (_req, res) => {
      res.send('added to cache()');
    });
    const endpoints = mixnmatch.endpoints({ e: {} }, { e: (_req, res) => res.send('endpoint e') });
    endpoints.get('/y', (_req, res) => {
      res.send('added to endpoints()');
    });
    endpoints.use((_req, res, next) => {
      res.setHeader('X-After', 'yes');
      next();
    });
    const app = express().use(cache).use('/p', endpoints);
    expect((await request(app).get('/x')).text).toBe('added to cache()');
    expect((await request(app).get('/cache/new')).status).toBe(200);
    expect((await request(app).get('/p/y')).text).toBe('added to endpoints()');
    expect((await request(app).get('/p/e')).text).toBe('endpoint e');
    const passed = await request(app).get('/p/nothing');
    expect(passed.status).toBe(404);
    expect(passed.headers['x-after']).toBe('yes');
  });
});
