// The reflect() router factory: go-httpbin's request and response tools (/anything, /get…/delete, /headers, /ip, /uuid, /cookies, /basic-auth, /bearer, /status, /response-headers, /redirects, /delay, /bytes).
import { createCipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { stringifySetCookie } from 'cookie';
import { METHODS as httpMethods } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { bodyReader, hasBody } from '../http/body';
import { endpointsHandler, routerOf } from '../endpoints';
import { ARGS_ANY, type EndpointHandlers, type EndpointNode } from '../endpoints';
import { ConfigError, HttpError } from '../shared/errors';
import { parseAllowedHosts, type GotoHostPredicate } from '../goto';
import { escapeHtml } from '../http/html';
import { headerBytes, headerProblem, isOneMediaType, isToken, mediaType } from '../http/headers';
import { encodeLocation, SCHEME } from '../http/location';
import {
  assertNotMiddlewareCall,
  optionsObject,
  positiveIntegerOption,
  show,
} from '../shared/options';
import { delayMs, integerIn, pickStatus } from './codes';
import {
  bodyFields,
  canonicalHeaderName,
  clientOrigin,
  parsePairs,
  rawQuery,
  requestHeaders,
  requestUrl,
  noBody,
  sorted,
  valueLists,
  type BodyFields,
  type ValueLists,
} from './request';

/** Options for {@link reflect}. */
export interface ReflectOptions {
  /**
   * Hosts `/redirect-to` may send a browser to, by `goto()`'s rule (exact
   * names or `*.example.com`, case-insensitive; or a predicate). Any other
   * host, however the URL spells it, gets 403, and so does a scheme other
   * than `http:`/`https:`. Defaults to `undefined`: any absolute URL or
   * path from the root.
   */
  allowedHosts?: readonly string[] | GotoHostPredicate;
  /** The largest request body read, in bytes; a larger one gets 413. Defaults to 1 MiB. */
  maxBodySize?: number;
  /** The longest `/delay/{duration}`, in seconds (at most 10). Defaults to 10. */
  maxDelay?: number;
}

const KNOWN = ['allowedHosts', 'maxBodySize', 'maxDelay'] as const;
const EXAMPLE = "reflect({ allowedHosts: ['example.com'], maxDelay: 5 })";
const MAX_DELAY_SECONDS = 10;
const DEFAULT_MAX_BODY_SIZE = 1024 * 1024;

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';

/**
 * Every endpoint takes any method, as go-httpbin's do: the common ones first
 * (they lead `Allow`), then every other method Node's parser reads (WebDAV's
 * `PROPFIND`, `QUERY`…), but CONNECT. HEAD comes with GET; OPTIONS is
 * answered with `Allow`.
 */
const METHODS = [
  'GET',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  ...httpMethods.filter(
    (method) =>
      !['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT'].includes(method),
  ),
];

/**
 * go-httpbin's tools reflect() serves, one row each: the router's spec, and
 * how the command's banner and `--help` name them (a test checks that
 * docs/reflect.md has a section for each).
 */
export const REFLECT_TOOLS = [
  { name: 'anything', args: ARGS_ANY, usage: '/anything' },
  { name: 'headers', usage: '/headers' },
  { name: 'status', args: 1, usage: '/status/CODES' },
  { name: 'response-headers', usage: '/response-headers?NAME=VALUE' },
  { name: 'redirect-to', usage: '/redirect-to?url=URL' },
  { name: 'delay', args: 1, usage: '/delay/SECONDS' },
  { name: 'get', methods: ['GET'], usage: '/get' },
  { name: 'post', methods: ['POST'], usage: '/post' },
  { name: 'put', methods: ['PUT'], usage: '/put' },
  { name: 'patch', methods: ['PATCH'], usage: '/patch' },
  { name: 'delete', methods: ['DELETE'], usage: '/delete' },
  { name: 'ip', usage: '/ip' },
  { name: 'uuid', usage: '/uuid' },
  { name: 'cookies', usage: '/cookies' },
  { name: 'cookies/set', usage: '/cookies/set?NAME=VALUE' },
  { name: 'basic-auth', args: 2, usage: '/basic-auth/USER/PASSWORD' },
  { name: 'bearer', usage: '/bearer' },
  { name: 'redirect', args: 1, usage: '/redirect/N' },
  { name: 'relative-redirect', args: 1, usage: '/relative-redirect/N' },
  { name: 'absolute-redirect', args: 1, usage: '/absolute-redirect/N' },
  { name: 'bytes', args: 1, usage: '/bytes/N' },
] as const;

/** The name of one of {@link REFLECT_TOOLS}. */
type ToolName = (typeof REFLECT_TOOLS)[number]['name'];

/** The router's spec: a row each, `cookies/set` a child of `cookies`. */
const SPEC: Record<string, EndpointNode> = {};
for (const tool of REFLECT_TOOLS) {
  const entry = {
    methods: 'methods' in tool ? tool.methods : METHODS,
    ...('args' in tool ? { args: tool.args } : {}),
  };
  const [parent, child] = tool.name.split('/') as [string, string | undefined];
  if (child === undefined) SPEC[parent] = { ...SPEC[parent], ...entry };
  else SPEC[parent] = { ...SPEC[parent], children: { ...SPEC[parent]?.children, [child]: entry } };
}

/** Media types whose body a browser does not render as a page: `/response-headers` echoes unescaped only for these. */
const SAFE_TYPES = new Set(['text/plain', 'application/json', 'application/octet-string']);

/**
 * Whether a browser surely takes a `Content-Type` value as one of
 * {@link SAFE_TYPES}: it is one well-formed media type, parameters and
 * all. A browser reads a list (`text/plain;, text/html`) and takes its last
 * valid type, so anything that is not plainly one type is not safe.
 */
function plainlySafe(contentType: string): boolean {
  return isOneMediaType(contentType) && SAFE_TYPES.has(mediaType(contentType));
}

/** A `%` not followed by two hex digits. */
const BAD_ESCAPE = /%(?![0-9a-f]{2})/i;

/**
 * A host no URL names: relative URLs are resolved against it, so a resolved
 * URL on any other host is one that leaves this server.
 */
const HERE = `${randomUUID()}.invalid`;

/**
 * JSON as go-httpbin writes it: two-space indent, a final newline, `<>&`
 * left as they are, U+2028 and U+2029 escaped.
 */
function jsonText(value: unknown, indent: 0 | 2 = 2): string {
  let text: string;
  try {
    text = JSON.stringify(value, null, indent || undefined);
  } catch (err) {
    // Only a JSON body nested deeper than the stack can get here.
    throw new HttpError(400, 'error parsing request body: the JSON is nested too deeply', {
      cause: err,
    });
  }
  return `${text.replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}\n`;
}

/** Ends the response with `body`; a HEAD answer has neither body nor Content-Length, as go-httpbin's. */
function finish(req: Request, res: Response, status: number, body: string | Buffer): void {
  res.statusCode = status;
  // 204 and 304 have no body, and no Content-Length either.
  if (req.method === 'HEAD' || status === 204 || status === 304) {
    res.end();
    return;
  }
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.setHeader('Content-Length', bytes.length);
  res.end(bytes);
}

function sendJson(req: Request, res: Response, value: unknown): void {
  sendJsonText(req, res, jsonText(value));
}

function sendJsonText(req: Request, res: Response, body: string): void {
  res.setHeader('Content-Type', JSON_TYPE);
  finish(req, res, 200, body);
}

/**
 * Whether `value`, indented by two spaces a level from `depth` on, gains at
 * most `budget` bytes of white space. Walks the value without recursion and
 * stops at the budget, so the answer is known in time linear in the value.
 */
function indentFits(value: unknown, depth: number, budget: number): boolean {
  const stack: [unknown, number][] = [[value, depth]];
  let spent = 0;
  while (stack.length > 0) {
    const [item, level] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    const children = Array.isArray(item) ? (item as unknown[]) : Object.values(item);
    // Each child on a line of its own, indented; the closing bracket too.
    spent += children.length * (2 * level + 4) + 2 * level + 1;
    if (spent > budget) return false;
    for (const child of children) stack.push([child, level + 1]);
  }
  return true;
}

/**
 * `/anything`'s answer: go-httpbin's two-space indent, unless indenting would
 * blow it up out of all proportion to the request it echoes (a body nested
 * thousands deep, a form or query of thousands of empty values): then it is
 * written compact, on one line, so the answer stays within a small multiple
 * of the request (`inputSize`: its target, headers and body as read) in
 * size and in work.
 */
function anythingText(answer: Record<string, unknown>, inputSize: number): string {
  return jsonText(answer, indentFits(answer, 0, 3 * inputSize + 4096) ? 2 : 0);
}

/** The size of what a request sent, as read: its target, its headers and `bodySize`. */
function requestSize(req: Request, bodySize: number): number {
  let size = req.originalUrl.length + bodySize;
  for (const field of req.rawHeaders) size += field.length + 2;
  return size;
}

/** The query's parameters, as Go's `r.URL.Query()` gives them (malformed pairs left out). */
function queryLists(req: Request): ValueLists {
  return parsePairs(rawQuery(req)).lists;
}

function firstValue(lists: ValueLists, name: string): string | undefined {
  return lists[name]?.[0];
}

/** Name → values from a body an app's parser already read (`express.urlencoded()`). */
function listsOf(body: Record<string, unknown>): ValueLists {
  const lists = valueLists();
  for (const [name, value] of Object.entries(body)) {
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    lists[name] = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  }
  return sorted(lists);
}

/**
 * The body fields of a request whose body an app's parser mounted before
 * reflect() already read: JSON as it was parsed, a form's fields as they
 * were parsed; the raw bytes are gone, so `data` is rebuilt from them.
 */
function parsedFields(contentType: string | undefined, body: unknown): BodyFields {
  const fields = noBody();
  const type = mediaType(contentType ?? '');
  if (type === 'application/json') {
    fields.json = body;
    fields.data = JSON.stringify(body);
  } else if (
    type === 'application/x-www-form-urlencoded' &&
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body)
  ) {
    fields.form = listsOf(body as Record<string, unknown>);
    const params = new URLSearchParams();
    for (const [name, values] of Object.entries(fields.form)) {
      for (const value of values) params.append(name, value);
    }
    fields.data = params.toString();
  }
  return fields;
}

/** The headers and body go-httpbin gives a `/status` code it treats specially; `Location`s below the router's mount path, as go-httpbin's prefix. */
function statusPages(
  prefix: string,
  code: number,
): { headers: Record<string, string>; body?: string } | undefined {
  switch (code) {
    case 300:
      return {
        headers: { Location: `${prefix}/image/jpeg` },
        body: `<!doctype html>
<head>
<title>Multiple Choices</title>
</head>
<body>
<ul>
<li><a href="${prefix}/image/jpeg">/image/jpeg</a></li>
<li><a href="${prefix}/image/png">/image/png</a></li>
<li><a href="${prefix}/image/svg">/image/svg</a></li>
</body>
</html>`,
      };
    case 301:
    case 302:
    case 303:
    case 305:
    case 307:
      return { headers: { Location: `${prefix}/redirect/1` } };
    case 308:
      return {
        headers: { Location: `${prefix}/image/jpeg` },
        body: `<!doctype html>
<head>
<title>Permanent Redirect</title>
</head>
<body>Permanently redirected to <a href="${prefix}/image/jpeg">${prefix}/image/jpeg</a>
</body>
</html>`,
      };
    case 401:
      return { headers: { 'WWW-Authenticate': 'Basic realm="Fake Realm"' } };
    case 402:
      return { headers: { 'X-More-Info': 'http://vimeo.com/22053820' }, body: 'Fuck you, pay me!' };
    case 406:
      return {
        headers: { 'Content-Type': JSON_TYPE },
        body: jsonText({
          message: 'Client did not request a supported media type',
          accept: ['image/webp', 'image/svg+xml', 'image/jpeg', 'image/png', 'image/'],
        }),
      };
    case 407:
      return { headers: { 'Proxy-Authenticate': 'Basic realm="Fake Realm"' } };
    case 418:
      return {
        headers: { 'X-More-Info': 'http://tools.ietf.org/html/rfc2324' },
        body: "I'm a teapot!",
      };
    default:
      return undefined;
  }
}

/**
 * Answers `/status` with `code`: go-httpbin's headers and body for the
 * codes it treats specially, an empty `text/plain` answer otherwise. A 1xx
 * is sent as an informational response where Node can send it without
 * made-up headers (100 and 102; 103 needs a Link), then the final answer is
 * 200.
 */
function answerStatus(req: Request, res: Response, code: number): void {
  res.setHeader('Content-Type', TEXT_TYPE);
  // An HTTP/1.0 client does not take an informational answer.
  if (code < 200) {
    if (req.httpVersion === '1.0') return finish(req, res, 200, '');
    if (code === 100) res.writeContinue();
    else if (code === 102) res.writeProcessing();
    return finish(req, res, 200, '');
  }
  const page = statusPages(req.baseUrl, code);
  for (const [name, value] of Object.entries(page?.headers ?? {})) res.setHeader(name, value);
  finish(req, res, code, page?.body ?? '');
}

/** A header value as Node writes it: the UTF-8 bytes of `value`, one character per byte. */
/**
 * The hosts a browser following `url` from this server would go to, under
 * each scheme the page may have (a relative URL can name another host:
 * `//evil.example`, `/\evil.example`, `http:evil.example` from an https
 * page). `undefined` when the URL cannot be resolved.
 */
function targetHosts(url: string): string[] | undefined {
  const hosts: string[] = [];
  for (const base of [`http://${HERE}/`, `https://${HERE}/`]) {
    let resolved: URL;
    try {
      resolved = new URL(url, base);
    } catch {
      return undefined;
    }
    const host = resolved.hostname.replace(/\.$/, '');
    if (host !== HERE && !hosts.includes(host)) hosts.push(host);
  }
  return hosts;
}

/** The path of a URL without scheme, as Go's url.Parse gives it: after `//authority`, before `?` or `#`. */
function relativePath(url: string): string {
  let rest = url;
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    rest = end === -1 ? '' : rest.slice(2 + end);
  }
  const stop = rest.search(/[?#]/);
  return stop === -1 ? rest : rest.slice(0, stop);
}

/**
 * The request's cookies as Go's `r.Cookies()` gives them: values as sent
 * (not percent-decoded; surrounding quotes taken off), the last of a
 * repeated name winning, malformed pairs left out.
 */
function requestCookies(header: string | undefined): Record<string, string> {
  const cookies = Object.create(null) as Record<string, string>;
  for (const pair of (header ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    const name = pair.slice(0, eq).trim();
    let value = pair.slice(eq + 1).trim();
    if (value.length > 1 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    if (isToken(name) && /^[\x20\x21\x23-\x3a\x3c-\x5b\x5d-\x7e]*$/.test(value)) {
      cookies[name] = value;
    }
  }
  return cookies;
}

/** The user and password of an `Authorization: Basic` header, read as strictly as Go's `r.BasicAuth()`, or `undefined`. */
function basicCredentials(
  header: string | undefined,
): { user: string; password: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/]*={0,2})$/i.exec(header ?? '');
  if (!match || match[1]!.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1
    ? undefined
    : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A count in a path (`/redirect/{n}`, `/bytes/{n}`): a signed integer as Go's Atoi reads it (15 digits at most, so exact), or `NaN`. */
function countOf(text: string): number {
  return /^[+-]?\d{1,15}$/.test(text) ? Number(text) : NaN;
}

/**
 * `n` bytes: random, or with `seed` the same ones each time (AES-256-CTR's
 * keystream under the seed's SHA-256; go-httpbin's generator is Go's
 * math/rand, so the same seed gives other bytes there).
 */
function seededBytes(n: number, seed: string | undefined): Buffer {
  if (seed === undefined) return randomBytes(n);
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n));
}

/** Validates reflect()'s options once, at construction; a problem is a `ConfigError` naming it. */
function parseReflectOptions(opts: unknown) {
  const options = optionsObject('reflect', opts, KNOWN, EXAMPLE);
  const { allowHost, hosts } = parseAllowedHosts('reflect', options.allowedHosts, EXAMPLE);
  const maxBodySize = positiveIntegerOption(
    'reflect',
    'maxBodySize',
    options.maxBodySize,
    DEFAULT_MAX_BODY_SIZE,
    EXAMPLE,
    'a positive number of bytes',
  );
  const maxDelay = options.maxDelay ?? MAX_DELAY_SECONDS;
  if (
    typeof maxDelay !== 'number' ||
    !Number.isFinite(maxDelay) ||
    maxDelay < 0 ||
    maxDelay > MAX_DELAY_SECONDS
  ) {
    throw new ConfigError(
      'reflect',
      `"maxDelay" must be a number of seconds from 0 to ${MAX_DELAY_SECONDS} (got ${show(maxDelay)}).`,
      EXAMPLE,
      'maxDelay',
    );
  }
  const forbidden =
    hosts === undefined
      ? 'Forbidden redirect URL. Please be careful with this link.'
      : `Forbidden redirect URL. Please be careful with this link.\n\nAllowed redirect destinations:\n${hosts
          .map((host) => `- ${host}`)
          .sort()
          .join('\n')}`;
  return { allowHost, maxBodySize, maxDelayMs: Math.trunc(maxDelay * 1000), forbidden };
}

/**
 * go-httpbin's request and response tools as a Router, with its paths,
 * parameters, JSON and status rules, so a script written for go-httpbin
 * works against it:
 * - `/anything[/…]` answers what arrived: `args`, `headers` (lists of
 *   values), `method`, `origin`, `url`, `data` (a body of another type as a
 *   `data:` URL), `files`, `form`, `json`; `/headers` the headers alone;
 * - `/status/{codes}` answers with a code (100–599) or a weighted choice
 *   (`200:0.7,429:0.3`); anything else is a 400;
 * - `/response-headers?Name=value…` sets those headers and echoes them as
 *   JSON, HTML-escaped unless the Content-Type is one a browser will not
 *   render; a name that is not a header name, a value with a control
 *   character, or Content-Length/Transfer-Encoding gets 400;
 * - `/redirect-to?url=…[&status_code=3xx]` redirects (302 by default);
 *   a relative URL not starting with `/` gets 403, and with `allowedHosts`
 *   so does any other host, however it is spelled;
 * - `/delay/{duration}` waits (`100ms`, `1.5s`, `0.1`; at most `maxDelay`),
 *   then answers as `/anything`.
 *
 * Methods: GET, HEAD, POST, PUT, PATCH, DELETE; OPTIONS is answered. It sets
 * no CORS headers of its own: mount `cors()` before it to read it across
 * origins. Errors go to `next(err)` as `HttpError`s with the reason.
 */
export function reflect(opts?: ReflectOptions): Router {
  assertNotMiddlewareCall('reflect', opts);
  return routerOf(reflectMiddleware(opts));
}

/** The middleware {@link reflect} puts in its Router (and `createApp()` mounts as it is). */
export function reflectMiddleware(opts?: ReflectOptions): RequestHandler {
  const { allowHost, maxBodySize, maxDelayMs, forbidden } = parseReflectOptions(opts);
  const read = bodyReader(
    maxBodySize,
    `The request body is larger than the limit of ${maxBodySize} bytes (maxBodySize).`,
  );

  async function readFields(req: Request, res: Response): Promise<BodyFields> {
    const body = await read(req, res);
    const contentType = req.headers['content-type'];
    if (Buffer.isBuffer(body)) return bodyFields(contentType, body);
    // An app's parser mounted before reflect() read it: show what it made of it.
    if (body === undefined || !hasBody(req)) return noBody();
    // Text (express.text()) is read as it came; a string from a JSON parser is a JSON value.
    if (typeof body === 'string' && mediaType(contentType ?? '') !== 'application/json') {
      return bodyFields(contentType, Buffer.from(body, 'utf8'));
    }
    return parsedFields(contentType, body);
  }

  /** What go-httpbin's `/get` shows of a request. */
  const requestOf = (req: Request) => ({
    args: sorted(queryLists(req)),
    headers: requestHeaders(req),
    method: req.method,
    origin: clientOrigin(req),
    url: requestUrl(req),
  });

  async function anything(req: Request, res: Response): Promise<void> {
    const request = requestOf(req);
    // A HEAD has no body to read, and its answer none to show (go-httpbin's /get).
    if (req.method === 'HEAD') return sendJson(req, res, request);
    const { data, files, form, json } = await readFields(req, res);
    const answer = { ...request, data, files, form, json };
    sendJsonText(req, res, anythingText(answer, requestSize(req, data.length)));
  }

  function status(req: Request, res: Response, next: NextFunction): void {
    const code = pickStatus(req.endpoint.argv[0]!);
    if (typeof code === 'string') return next(new HttpError(400, code));
    answerStatus(req, res, code);
  }

  function responseHeaders(req: Request, res: Response, next: NextFunction): void {
    const args = queryLists(req);
    const headers = new Map<string, string[]>();
    for (const [name, values] of Object.entries(args)) {
      const canonical = isToken(name) ? canonicalHeaderName(name) : name;
      for (const value of values.length > 0 ? values : ['']) {
        const problem = headerProblem(name, value, canonical);
        if (problem) return next(new HttpError(400, problem));
      }
      for (const value of values) {
        let list = headers.get(canonical);
        if (list === undefined) headers.set(canonical, (list = []));
        list.push(value);
      }
    }
    const contentTypes = headers.get('Content-Type');
    if (contentTypes !== undefined && contentTypes.length > 1) {
      return next(new HttpError(400, 'Give Content-Type once: a response has one type.'));
    }
    // No type, or an empty one, is JSON (and the echo says so), as go-httpbin's.
    let contentType = contentTypes?.[0] ?? '';
    if (contentType === '') {
      contentType = JSON_TYPE;
      headers.set('Content-Type', [JSON_TYPE]);
      for (const name of Object.keys(args)) {
        if (canonicalHeaderName(name) === 'Content-Type') delete args[name];
      }
      args['Content-Type'] = [JSON_TYPE];
    }
    let echoed = args;
    // A type a browser could render as a page gets its echo HTML-escaped,
    // names and values alike; so does one a browser is allowed to sniff.
    const sniffing = headers.get('X-Content-Type-Options');
    const nosniff =
      sniffing === undefined || sniffing.every((v) => v.trim().toLowerCase() === 'nosniff');
    if (!plainlySafe(contentType) || !nosniff) {
      echoed = Object.create(null) as ValueLists;
      for (const [name, values] of Object.entries(args)) {
        (echoed[escapeHtml(name, true)] ??= []).push(...values.map((v) => escapeHtml(v, true)));
      }
    }
    const body = jsonText(sorted(echoed));
    try {
      // The echo is never sniffed into a page (unless the query says otherwise, and then it is escaped).
      res.setHeader('X-Content-Type-Options', 'nosniff');
      for (const [name, values] of headers) {
        res.setHeader(
          name,
          values.length === 1 ? headerBytes(values[0]!) : values.map(headerBytes),
        );
      }
      finish(req, res, 200, body);
    } catch (err) {
      // A combination Node refuses to send: nothing was written; take the headers back.
      if (res.headersSent) return void res.destroy();
      for (const name of headers.keys()) res.removeHeader(name);
      next(
        new HttpError(400, `These headers cannot be sent: ${(err as Error).message}`, {
          cause: err,
        }),
      );
    }
  }

  async function redirectTo(req: Request, res: Response, next: NextFunction): Promise<void> {
    const args = queryLists(req);
    const url = firstValue(args, 'url');
    if (!url) return next(new HttpError(400, 'missing required query parameter: url'));
    const location = encodeLocation(url); // a control character is a 400
    const scheme = SCHEME.exec(url)?.[1];
    // Go's url.Parse takes any `%` in the query, but not in the path, host or fragment.
    const hash = url.indexOf('#');
    const beforeHash = hash === -1 ? url : url.slice(0, hash);
    const question = beforeHash.indexOf('?');
    const checked =
      (question === -1 ? beforeHash : beforeHash.slice(0, question)) +
      (hash === -1 ? '' : url.slice(hash));
    if (BAD_ESCAPE.test(checked)) {
      return next(new HttpError(400, 'invalid url: it has malformed percent-encoding'));
    }
    if (scheme === undefined && (url[0] === ':' || /^[^/?#]*:/.test(url))) {
      return next(new HttpError(400, 'invalid url: its first path segment holds a colon'));
    }
    const refuse = () => {
      res.setHeader('Content-Type', 'text/plain');
      finish(req, res, 403, allowHost === undefined ? '' : forbidden);
    };
    if (allowHost !== undefined) {
      const hosts = targetHosts(location);
      if (hosts === undefined) return refuse();
      if (scheme !== undefined && !/^https?$/i.test(scheme)) return refuse();
      for (const host of hosts) {
        if ((await allowHost(host, req)) !== true) return refuse();
      }
    }
    if (scheme === undefined && !relativePath(url).startsWith('/')) return refuse();
    let code = 302;
    const given = firstValue(args, 'status_code');
    if (given) {
      const parsed = integerIn(given, 300, 399);
      if (typeof parsed === 'string') return next(new HttpError(400, parsed));
      code = parsed;
    }
    // A path from the root stays below the router's mount path, as go-httpbin's prefix.
    const prefixed =
      location.startsWith('/') && !location.startsWith('//') ? req.baseUrl + location : location;
    res.setHeader('Location', prefixed);
    finish(req, res, code, '');
  }

  function delay(req: Request, res: Response, next: NextFunction): void {
    const ms = delayMs(req.endpoint.argv[0]!, maxDelayMs);
    if (typeof ms === 'string') return next(new HttpError(400, ms));
    const timer = setTimeout(() => {
      res.off('close', stop);
      res.setHeader('Server-Timing', `initial_delay;dur=${ms.toFixed(2)};desc="initial delay"`);
      anything(req, res).catch(next);
    }, ms);
    // A client that goes away stops the wait.
    const stop = () => clearTimeout(timer);
    res.once('close', stop);
  }

  /** `/redirect/N` and its kin: a 302 to the next hop (`N-1`), the last to `/get`. */
  const redirectHop =
    (kind: 'relative' | 'absolute' | 'asked') =>
    (req: Request, res: Response, next: NextFunction): void => {
      const n = countOf(req.endpoint.argv[0]!);
      if (Number.isNaN(n)) return next(new HttpError(400, 'invalid redirect count'));
      if (n < 1) return next(new HttpError(400, 'redirect count must be > 0'));
      const absolute =
        kind === 'absolute' ||
        (kind === 'asked' && firstValue(queryLists(req), 'absolute')?.toLowerCase() === 'true');
      const path = n - 1 < 1 ? '/get' : `/${absolute ? 'absolute' : 'relative'}-redirect/${n - 1}`;
      let location = req.baseUrl + path;
      if (absolute) {
        // The scheme and host the client asked with, as go-httpbin's getURL.
        const url = requestUrl(req);
        location = url.slice(0, url.indexOf('/', url.indexOf('//') + 2)) + location;
      }
      res.setHeader('Location', encodeLocation(location));
      finish(req, res, 302, '');
    };

  /** `/bytes/N`: N random bytes (at most `maxBodySize`); with `?seed=`, the same ones each time. */
  function bytes(req: Request, res: Response, next: NextFunction): void {
    const n = countOf(req.endpoint.argv[0]!);
    if (Number.isNaN(n)) return next(new HttpError(400, 'invalid byte count'));
    if (n < 0) return next(new HttpError(400, `invalid byte count: ${n} must be greater than 0`));
    // An empty seed is none (random bytes); any other must be a 64-bit integer, as Go's ParseInt.
    const seed = firstValue(queryLists(req), 'seed') || undefined;
    if (
      seed !== undefined &&
      (!/^[+-]?\d{1,19}$/.test(seed) ||
        BigInt(seed) > 9223372036854775807n ||
        BigInt(seed) < -9223372036854775808n)
    ) {
      return next(new HttpError(400, 'invalid seed: it must be a 64-bit integer'));
    }
    if (n > maxBodySize) {
      return next(new HttpError(400, `invalid byte count: ${n} not in range [1, ${maxBodySize}]`));
    }
    if (n > 0) res.setHeader('Content-Type', 'application/octet-stream');
    finish(req, res, 200, seededBytes(n, seed));
  }

  const handlers: Record<ToolName, EndpointHandlers[string]> = {
    anything,
    get: (req: Request, res: Response) => sendJson(req, res, requestOf(req)),
    post: anything,
    put: anything,
    patch: anything,
    delete: anything,
    ip(req: Request, res: Response) {
      const origin = clientOrigin(req);
      if (firstValue(queryLists(req), 'format') === 'text') {
        res.setHeader('Content-Type', TEXT_TYPE);
        return finish(req, res, 200, `${origin}\n`);
      }
      sendJson(req, res, { origin });
    },
    uuid: (req: Request, res: Response) => sendJson(req, res, { uuid: randomUUID() }),
    cookies(req: Request, res: Response) {
      sendJson(req, res, { cookies: requestCookies(req.headers.cookie) });
    },
    'cookies/set'(req: Request, res: Response, next: NextFunction) {
      const secure = requestUrl(req).startsWith('https:');
      const cookies: string[] = [];
      for (const [name, values] of Object.entries(queryLists(req))) {
        // go-httpbin's attribute parameters (attr[Secure]=true) are no cookies.
        if (/^attr\[.*\]$/.test(name)) continue;
        try {
          cookies.push(
            stringifySetCookie({ name, value: values[0] ?? '', path: '/', httpOnly: true, secure }),
          );
        } catch (err) {
          return next(
            new HttpError(400, `invalid cookie ${JSON.stringify(name)}: ${(err as Error).message}`),
          );
        }
      }
      for (const cookie of cookies) res.appendHeader('Set-Cookie', cookie);
      res.setHeader('Location', `${req.baseUrl}/cookies`);
      finish(req, res, 302, '');
    },
    'basic-auth'(req: Request, res: Response) {
      const [user, password] = req.endpoint.argv as [string, string];
      const given = basicCredentials(req.headers.authorization);
      const authorized = given !== undefined && given.user === user && given.password === password;
      if (!authorized) res.setHeader('WWW-Authenticate', 'Basic realm="Fake Realm"');
      res.setHeader('Content-Type', JSON_TYPE);
      finish(
        req,
        res,
        authorized ? 200 : 401,
        jsonText({ authenticated: authorized, authorized, user: given?.user ?? '' }),
      );
    },
    bearer(req: Request, res: Response, next: NextFunction) {
      const fields = (req.headers.authorization ?? '').split(/\s+/).filter((f) => f !== '');
      if (fields.length !== 2 || fields[0] !== 'Bearer') {
        return next(
          new HttpError(401, 'Unauthorized', { headers: { 'WWW-Authenticate': 'Bearer' } }),
        );
      }
      sendJson(req, res, { authenticated: true, token: fields[1] });
    },
    redirect: redirectHop('asked'),
    'relative-redirect': redirectHop('relative'),
    'absolute-redirect': redirectHop('absolute'),
    bytes,
    headers: function headers(req: Request, res: Response) {
      sendJson(req, res, { headers: requestHeaders(req) });
    },
    status,
    'response-headers': responseHeaders,
    'redirect-to': redirectTo,
    delay,
  };
  return endpointsHandler(SPEC, handlers);
}
