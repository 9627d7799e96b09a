import express, { type RequestHandler } from 'express';
import request from 'supertest';
import * as mixnmatch from 'mixnmatch';
import { expectHeaders } from './helpers';

const { ARGS_ANY, ARGS_OPTIONAL, ARGS_REQUIRED } = mixnmatch;

/** A handler that reports which handler ran and what it was given, as the original's tests did. */
function reporter(name: string): RequestHandler {
  return (req, res) => {
    const { root, sub, args, argv, params } = req.endpoint;
    res
      .type('text/plain')
      .send(`This is ${name} for ${root} @ ${sub} (${args}) ${JSON.stringify({ argv, params })}`);
  };
}

/** The original's test server, built with this API. */
function originalTestApp() {
  const app = express();
  app.use(mixnmatch.canonicalize());
  app.use(
    mixnmatch.endpoints(
      {
        test: {
          children: {
            post_one: { args: 1, methods: ['POST'] },
            get_opt: { args: ARGS_OPTIONAL },
            get_req: { args: ARGS_REQUIRED },
            get_any: { args: ARGS_ANY },
          },
        },
        deep: { children: { 1: { children: { 2: { children: { 3: {}, 4: {} } } } } } },
      },
      { test: reporter('test'), deep: reporter('deep'), 'deep/1/2/4': reporter('deep/1/2/4') },
    ),
  );
  app.get('/{*rest}', (_req, res) => {
    res.type('text/plain').send('This is the fallback');
  });
  app.use(mixnmatch.errorHandler());
  return app;
}

describe('endpoints()', () => {
  const app = originalTestApp();

  describe("the original's endpoint expectations", () => {
    it.each([
      ['GET', '/test/', 'This is test for test @  ()'],
      ['GET', '/a/../test/', 'This is test for test @  ()'],
      ['GET', '/test/a/../', 'This is test for test @  ()'],
      ['GET', '//test/', 'This is test for test @  ()'],
      ['GET', '/foo/../test/', 'This is test for test @  ()'],
      ['GET', '/foo%2f../test/', 'This is test for test @  ()'],
      ['POST', '/test/post_one/foo', 'This is test for test @ post_one (foo)'],
      ['POST', '/test/post_one/a/../foo', 'This is test for test @ post_one (foo)'],
      ['GET', '/test/get_opt', 'This is test for test @ get_opt ()'],
      ['GET', '/test/get_opt/', 'This is test for test @ get_opt ()'],
      ['GET', '/test/get_opt/foo', 'This is test for test @ get_opt (foo)'],
      ['GET', '/test/get_any/', 'This is test for test @ get_any ()'],
      ['GET', '/test/get_any/foo/bar/baz', 'This is test for test @ get_any (foo/bar/baz)'],
      ['GET', '/test/get_req/foo/bar/baz', 'This is test for test @ get_req (foo/bar/baz)'],
      ['GET', '/deep/', 'This is deep for deep @  ()'],
      ['GET', '/deep/1', 'This is deep for deep @ 1 ()'],
      ['GET', '/deep/1/2', 'This is deep for deep @ 1/2 ()'],
      ['GET', '/deep/1/2/3', 'This is deep for deep @ 1/2/3 ()'],
      ['GET', '/deep/1/2/4', 'This is deep/1/2/4 for deep @ 1/2/4 ()'],
      ['GET', '/', 'This is the fallback'],
      ['GET', '/foo/', 'This is the fallback'],
    ])('%s %s → %s', async (method, path, body) => {
      const res = await request(app)[method === 'GET' ? 'get' : 'post'](path);
      expect(res.status).toBe(200);
      expect(res.text.startsWith(body)).toBe(true);
    });

    it.each([
      ['GET', '/test/foo', 'Extra arguments: foo.'],
      ['POST', '/test/post_one', 'Missing required argument.'],
      ['POST', '/test/post_one/foo/bar', 'Extra arguments: bar.'],
      ['GET', '/test/get_req', 'Missing required argument.'],
      ['GET', '/test/get_req/', 'Missing required argument.'],
      ['GET', '/test/get_opt/foo/bar', 'Extra arguments: bar.'],
    ])('%s %s → 404 "%s"', async (method, path, reason) => {
      const res = await request(app)[method === 'GET' ? 'get' : 'post'](path);
      expect(res.status).toBe(404);
      expect(res.text).toContain(`Error code explanation: 404 - ${reason}`);
    });

    it('GET on a POST endpoint → 405 with Allow', async () => {
      const res = await request(app).get('/test/post_one/foo');
      expect(res.status).toBe(405);
      expectHeaders(res, { allow: 'POST, OPTIONS' });
    });

    it('POST on a GET endpoint → 405 with Allow', async () => {
      const res = await request(app).post('/test/get_opt/foo');
      expect(res.status).toBe(405);
      expectHeaders(res, { allow: 'GET, HEAD, OPTIONS' });
    });

    it('OPTIONS on an endpoint → 200, empty, Content-Length 0, Allow', async () => {
      const res = await request(app).options('/test/post_one/foo');
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expectHeaders(res, { 'content-length': '0', allow: 'POST, OPTIONS' });
    });
  });

  describe('argument counts', () => {
    const counted = express().use(
      mixnmatch.endpoints(
        {
          none: {},
          two: { args: 2 },
          opt: { args: ARGS_OPTIONAL },
          any: { args: ARGS_ANY },
          some: { args: ARGS_REQUIRED },
        },
        {
          none: reporter('h'),
          two: reporter('h'),
          opt: reporter('h'),
          any: reporter('h'),
          some: reporter('h'),
        },
      ),
      mixnmatch.errorHandler(),
    );

    it.each([
      ['/none', 200, '()'],
      ['/none/', 200, '()'],
      ['/none/x', 404, 'Extra arguments: x.'],
      ['/two/a', 404, 'Missing required argument.'],
      ['/two/a/b', 200, '(a/b)'],
      ['/two/a/b/', 200, '(a/b/)'],
      ['/two/a/b/c/d', 404, 'Extra arguments: c/d.'],
      ['/opt', 200, '()'],
      ['/opt/a', 200, '(a)'],
      ['/opt/a/b', 404, 'Extra arguments: b.'],
      ['/any', 200, '()'],
      ['/any/a/b/c', 200, '(a/b/c)'],
      ['/some', 404, 'Missing required argument.'],
      ['/some/', 404, 'Missing required argument.'],
      ['/some/a', 200, '(a)'],
      ['/some/a/b', 200, '(a/b)'],
    ])('%s → %i %s', async (path, status, text) => {
      const res = await request(counted).get(path);
      expect(res.status).toBe(status);
      expect(res.text).toContain(text);
    });

    it('gives argv as the non-empty segments', async () => {
      const res = await request(counted).get('/any/a/b/c/');
      expect(res.text).toContain('"argv":["a","b","c"]');
    });
  });

  describe('methods', () => {
    const app = express().use(
      mixnmatch.endpoints(
        {
          get: {},
          both: { methods: ['get', 'POST'] },
          put: { methods: ['PUT'] },
          opt: { methods: ['GET', 'OPTIONS'] },
        },
        {
          get: reporter('get'),
          both: (req, res) => {
            res.send(`${req.method} both`);
          },
          put: reporter('put'),
          opt: (req, res) => {
            res.send(`${req.method} handled`);
          },
        },
      ),
      mixnmatch.errorHandler(),
    );

    it('takes GET by default, and HEAD with it', async () => {
      expect((await request(app).get('/get')).status).toBe(200);
      const head = await request(app).head('/get');
      expect(head.status).toBe(200);
      expect(head.text).toBeUndefined();
      expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
    });

    it('takes the listed methods, in any case', async () => {
      expect((await request(app).post('/both')).text).toBe('POST both');
      expect((await request(app).get('/both')).text).toBe('GET both');
    });

    it('refuses others with 405 and the Allow list', async () => {
      const res = await request(app).delete('/both');
      expect(res.status).toBe(405);
      expectHeaders(res, { allow: 'GET, HEAD, POST, OPTIONS' });
      expect(res.text).toContain('Allowed: GET, HEAD, POST, OPTIONS.');
    });

    it('does not take HEAD without GET', async () => {
      const res = await request(app).head('/put');
      expect(res.status).toBe(405);
      expectHeaders(res, { allow: 'PUT, OPTIONS' });
    });

    it('answers OPTIONS itself unless the spec lists it', async () => {
      const auto = await request(app).options('/put');
      expect(auto.status).toBe(200);
      expectHeaders(auto, { allow: 'PUT, OPTIONS', 'content-length': '0' });
      const own = await request(app).options('/opt');
      expect(own.text).toBe('OPTIONS handled');
    });
  });

  describe('nested children and :param', () => {
    const app = express().use(
      mixnmatch.endpoints(
        {
          person: {
            children: {
              ':username': {
                methods: ['GET', 'POST'],
                children: {
                  photos: { args: ARGS_ANY },
                  ':album': { children: { a: { children: { b: { children: { c: {} } } } } } },
                },
              },
              me: {},
            },
          },
        },
        { person: reporter('person'), 'person/:username/photos': reporter('photos') },
      ),
      mixnmatch.errorHandler(),
    );

    it('records a :param segment', async () => {
      const res = await request(app).post('/person/alice');
      expect(res.text).toBe(
        'This is person for person @ :username () {"argv":[],"params":{"username":"alice"}}',
      );
    });

    it('prefers a literal child over a :param', async () => {
      const res = await request(app).get('/person/me');
      expect(res.text).toContain('@ me ()');
    });

    it('calls the most specific handler on the path', async () => {
      const res = await request(app).get('/person/bob/photos/2024/x.jpg');
      expect(res.text).toBe(
        'This is photos for person @ :username/photos (2024/x.jpg) {"argv":["2024","x.jpg"],"params":{"username":"bob"}}',
      );
    });

    it('goes as deep as the spec does', async () => {
      const res = await request(app).get('/person/bob/summer/a/b/c');
      expect(res.text).toBe(
        'This is person for person @ :username/:album/a/b/c () {"argv":[],"params":{"username":"bob","album":"summer"}}',
      );
    });

    it('decodes a :param value', async () => {
      const res = await request(app).get('/person/J%C3%BCrgen%20M');
      expect(res.text).toContain('"params":{"username":"Jürgen M"}');
    });
  });

  describe('raw arguments', () => {
    const spec = { debug: { args: 1, children: { sub: { args: ARGS_ANY, rawArgs: true } } } };

    it('takes them from the decoded path, not canonicalised', async () => {
      const app = express().use(
        mixnmatch.canonicalize(),
        mixnmatch.endpoints(spec, { debug: reporter('debug') }),
      );
      const res = await request(app).get('/debug/sub/..//foo/../bar/./baz');
      expect(res.text).toContain('This is debug for debug @ sub (..//foo/../bar/./baz)');
    });

    it('finds the endpoint by canonicalising the path up to it', async () => {
      const app = express().use(
        mixnmatch.canonicalize(),
        mixnmatch.endpoints(spec, { debug: reporter('debug') }),
      );
      const res = await request(app).get('/x/../debug/y/../sub//a%2fb/../c');
      expect(res.text).toContain('@ sub (/a/b/../c)');
    });

    it('works without canonicalize() too', async () => {
      const app = express().use(mixnmatch.endpoints(spec, { debug: reporter('debug') }));
      expect((await request(app).get('/debug/sub/../x')).text).toContain('@ sub (../x)');
      expect((await request(app).get('/debug/x/../y')).text).toContain('@  (y)');
    });

    it('must come first: a raw argument can canonicalise into another router', async () => {
      const raw = mixnmatch.endpoints(
        { go: { rawArgs: true, args: ARGS_ANY } },
        { go: reporter('go') },
      );
      const other = mixnmatch.endpoints({ target: {} }, { target: reporter('target') });
      const rawFirst = express().use(mixnmatch.canonicalize(), raw, other);
      expect((await request(rawFirst).get('/go///foo.baz/../..//target')).text).toContain(
        'This is go for go @  (//foo.baz/../..//target)',
      );
      const otherFirst = express().use(mixnmatch.canonicalize(), other, raw);
      expect((await request(otherFirst).get('/go///foo.baz/../..//target')).text).toContain(
        'This is target',
      );
    });
  });

  describe('mounted under a prefix', () => {
    const spec = {
      api: { args: ARGS_ANY },
      raw: { args: ARGS_ANY, rawArgs: true },
    };
    const app = express();
    app.use(mixnmatch.canonicalize());
    app.use('/v1', mixnmatch.endpoints(spec, { api: reporter('api'), raw: reporter('raw') }));
    app.use(mixnmatch.errorHandler());

    it('serves paths below the prefix', async () => {
      expect((await request(app).get('/v1/api/a/b')).text).toContain(
        'This is api for api @  (a/b)',
      );
      expect((await request(app).get('/v1/x/../api/c')).text).toContain('(c)');
    });

    it('does not serve them without it', async () => {
      expect((await request(app).get('/api/a')).status).toBe(404);
    });

    it('takes raw arguments relative to the mount point', async () => {
      expect((await request(app).get('/v1/raw/../x')).text).toContain(
        'This is raw for raw @  (../x)',
      );
      expect((await request(app).get('/v2/../v1/raw//x')).text).toContain('(/x)');
    });
  });

  describe('fallthrough option', () => {
    it('passes unknown paths on by default', async () => {
      const app = express().use(
        mixnmatch.endpoints({ a: {} }, { a: reporter('a') }),
        (_req, res) => {
          res.send('next');
        },
      );
      expect((await request(app).get('/b')).text).toBe('next');
    });

    it('gives a 404 NotAnEndpointError when false', async () => {
      const seen: unknown[] = [];
      const app = express().use(
        mixnmatch.endpoints({ a: {} }, { a: reporter('a') }, { fallthrough: false }),
        (
          err: unknown,
          _req: express.Request,
          res: express.Response,
          _next: express.NextFunction,
        ) => {
          seen.push(err);
          res.status(404).end();
        },
      );
      expect((await request(app).get('/b')).status).toBe(404);
      expect(seen[0]).toBeInstanceOf(mixnmatch.NotAnEndpointError);
    });
  });

  describe('errors', () => {
    it('passes exported error classes with status and expose to next(err)', async () => {
      const seen: unknown[] = [];
      const app = express().use(
        mixnmatch.endpoints({ a: { args: 1, methods: ['POST'] } }, { a: reporter('a') }),
        (
          err: unknown,
          _req: express.Request,
          res: express.Response,
          _next: express.NextFunction,
        ) => {
          seen.push(err);
          res.status(418).end();
        },
      );
      await request(app).post('/a');
      await request(app).post('/a/b/c');
      await request(app).get('/a/b');
      expect(seen[0]).toBeInstanceOf(mixnmatch.MissingArgsError);
      expect(seen[1]).toBeInstanceOf(mixnmatch.ExtraArgsError);
      expect(seen[2]).toBeInstanceOf(mixnmatch.MethodNotAllowedError);
      for (const err of seen) {
        expect(err).toBeInstanceOf(mixnmatch.EndpointError);
        expect(err).toMatchObject({ expose: true });
      }
      expect(seen.map((e) => (e as mixnmatch.HttpError).status)).toEqual([404, 404, 405]);
    });

    it('passes a rejected async handler to next(err)', async () => {
      const app = express().use(
        mixnmatch.endpoints({ a: {} }, { a: async () => Promise.reject(new Error('boom')) }),
        mixnmatch.errorHandler({ log: false }),
      );
      const res = await request(app).get('/a');
      expect(res.status).toBe(500);
      expect(res.text).not.toContain('boom');
    });

    it('passes a thrown error to next(err)', async () => {
      const app = express().use(
        mixnmatch.endpoints(
          { a: {} },
          {
            a: () => {
              throw new mixnmatch.HttpError(418, 'short and stout');
            },
          },
        ),
        mixnmatch.errorHandler(),
      );
      const res = await request(app).get('/a');
      expect(res.status).toBe(418);
      expect(res.text).toContain('short and stout');
    });

    it('gives 400 for a path it cannot decode', async () => {
      const app = express().use(
        mixnmatch.endpoints({ a: {} }, { a: reporter('a') }),
        mixnmatch.errorHandler(),
      );
      expect((await request(app).get('/a/%E0%A4%A')).status).toBe(400);
      expect((await request(app).get('/a/%00')).status).toBe(400);
    });
  });

  it('is exported as endpointsRouter too, and returns a Router', () => {
    expect(mixnmatch.endpointsRouter).toBe(mixnmatch.endpoints);
    const router = mixnmatch.endpoints({ a: {} }, { a: reporter('a') });
    expect(router).toBeInstanceOf(express.Router);
  });

  it('catches app.use(mixnmatch.endpoints) at the first request', async () => {
    const app = express();
    app.use(mixnmatch.endpoints as unknown as RequestHandler);
    app.use(mixnmatch.errorHandler({ log: false, stack: true }));
    const res = await request(app).get('/');
    expect(res.status).toBe(500);
    expect(res.text).toContain('app.use(mixnmatch.endpoints())');
  });
});
