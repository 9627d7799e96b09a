// What reflect() tells about a request, as go-httpbin does: its query, headers, client address, URL and body.
import Busboy from 'busboy';
import type { Request } from 'express';
import { HttpError } from '../shared/errors';
import { percentDecode } from '../http/form';

/** Values by name, each a list in the order given: `args`, `form`, `files`, `headers`. */
export type ValueLists = Record<string, string[]>;

/** Name → values, built on a null prototype so that `__proto__` or `constructor` are names like any other. */
export function valueLists(): ValueLists {
  return Object.create(null) as ValueLists;
}

function add(lists: ValueLists, name: string, value: string): void {
  (lists[name] ??= []).push(value);
}

/** The same lists with their names in byte order, as Go writes a map. */
export function sorted(lists: ValueLists): ValueLists {
  const out = valueLists();
  for (const name of Object.keys(lists).sort()) out[name] = lists[name]!;
  return out;
}

/** Percent-decodes one query or form component (`+` is a space); `undefined` for a malformed escape. */
function decodeComponent(text: string): string | undefined {
  return percentDecode(Buffer.from(text, 'latin1'))?.toString('utf8');
}

/**
 * Parses a query string or form body as Go's `url.ParseQuery`: pairs split
 * on `&`, then on the first `=`, names and values percent-decoded with `+`
 * as a space. A pair holding `;` or a malformed escape is left out and makes
 * `malformed` true (a query ignores that; a form body is a 400).
 */
export function parsePairs(text: string): { lists: ValueLists; malformed: boolean } {
  const lists = valueLists();
  let malformed = false;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    if (pair.includes(';')) {
      malformed = true;
      continue;
    }
    const equals = pair.indexOf('=');
    const name = decodeComponent(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decodeComponent(pair.slice(equals + 1));
    if (name === undefined || value === undefined) {
      malformed = true;
      continue;
    }
    add(lists, name, value);
  }
  return { lists, malformed };
}

/** The raw query string of the request, without its `?` (`''` when there is none). */
export function rawQuery(req: Request): string {
  const question = req.originalUrl.indexOf('?');
  return question === -1 ? '' : req.originalUrl.slice(question + 1);
}

/** A header name as Go writes it: `x-foo-BAR` → `X-Foo-Bar`. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

/**
 * The request headers as go-httpbin gives them: names in Go's form, each
 * header line its own value (a repeated header is a list of several),
 * `Host` once, with the request's host.
 */
export function requestHeaders(req: Request): ValueLists {
  const lists = valueLists();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = canonicalHeaderName(raw[i]!);
    if (name !== 'Host') add(lists, name, utf8(raw[i + 1]!));
  }
  lists.Host = [req.headers.host ?? ''];
  return sorted(lists);
}

/**
 * A header value as the client sent its bytes: Node reads header bytes as
 * Latin-1, and clients send UTF-8 (invalid sequences become U+FFFD, as Go
 * writes them in JSON).
 */
function utf8(value: string): string {
  // eslint-disable-next-line no-control-regex -- only text beyond ASCII needs the round trip
  return /[^\u0000-\u007f]/.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
}

/** The first line's value of a header, as Go's `Header.Get` gives it (Node joins repeated lines). */
function firstHeader(req: Request, name: string): string | undefined {
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === name) return utf8(raw[i + 1]!);
  }
  return undefined;
}

/** Headers a CDN or proxy sets to the client's address, tried in go-httpbin's order before `X-Forwarded-For`. */
const CLIENT_ADDRESS_HEADERS = [
  'fly-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'true-client-ip',
] as const;

/**
 * The client's address, as go-httpbin's `origin`: a CDN's client-address
 * header, else the first address of `X-Forwarded-For`, else the peer's
 * address. Headers are believed: this is a tool that shows what arrived.
 */
export function clientOrigin(req: Request): string {
  for (const name of CLIENT_ADDRESS_HEADERS) {
    const value = firstHeader(req, name);
    if (value) return value;
  }
  const forwarded = firstHeader(req, 'x-forwarded-for');
  if (forwarded) {
    const first = forwarded.split(',', 1)[0]!.trim();
    if (first !== '') return first;
  }
  const address = req.socket.remoteAddress ?? '';
  // An IPv4 client of a dual-stack socket, as Go shows it.
  return /^::ffff:[0-9.]+$/i.test(address) ? address.slice(7) : address;
}

/** The scheme the client used, as go-httpbin decides it from `X-Forwarded-*` headers and TLS. */
function schemeOf(req: Request): string {
  const proto = firstHeader(req, 'x-forwarded-proto') || firstHeader(req, 'x-forwarded-protocol');
  if (proto) return proto;
  if (firstHeader(req, 'x-forwarded-ssl') === 'on') return 'https';
  return (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
}

/** The URL the client asked for: scheme, host, and the path and query exactly as sent. */
export function requestUrl(req: Request): string {
  const target = req.originalUrl;
  if (!target.startsWith('/')) {
    // An absolute-form target (`GET http://host/path`) names its own host.
    try {
      const url = new URL(target);
      return `${schemeOf(req)}://${url.host}${target.slice(url.origin.length)}`;
    } catch {
      // Not a URL either: shown after the Host as it came.
    }
  }
  return `${schemeOf(req)}://${req.headers.host ?? ''}${target}`;
}

/** What a request's body holds, in go-httpbin's fields. */
export interface BodyFields {
  data: string;
  files: ValueLists;
  form: ValueLists;
  json: unknown;
}

/** What a request without a body shows. */
export function noBody(): BodyFields {
  return { data: '', files: valueLists(), form: valueLists(), json: null };
}

/** A body go-httpbin cannot parse: a 400 saying why, in go-httpbin's words. */
function bodyError(detail: string, cause?: unknown): HttpError {
  return new HttpError(400, `error parsing request body: ${detail}`, { cause });
}

/** A JSON reviver refusing numbers out of range (`1e400`), which Go's decoder refuses too. */
function finiteNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new SyntaxError('a number is out of range');
  }
  return value;
}

/** Go's URL-safe base64 alphabet, with padding (not Node's unpadded `base64url`). */
function base64WithPadding(body: Buffer): string {
  return body.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/** Splits a multipart body into its fields and files (files by field name, contents as text). */
function parseMultipart(
  contentType: string,
  body: Buffer,
): Promise<{ form: ValueLists; files: ValueLists }> {
  const form = valueLists();
  const files = valueLists();
  return new Promise((resolve, reject) => {
    let parser: Busboy.Busboy;
    try {
      parser = Busboy({ headers: { 'content-type': contentType } });
    } catch (err) {
      return reject(bodyError((err as Error).message, err));
    }
    let pending = 0;
    let ended = false;
    const settle = () => {
      if (ended && pending === 0) resolve({ form: sorted(form), files: sorted(files) });
    };
    const fail = (err: Error) => reject(bodyError(err.message, err));
    // A part without a name is left out, as Go's multipart reader does.
    parser.on('field', (name, value) => {
      if (name !== undefined) add(form, name, value);
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      pending++;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // A body that ends inside a file part fails the file's stream as well as the parser.
      stream.on('error', fail);
      stream.on('end', () => {
        pending--;
        if (name !== undefined) {
          // A part with an empty file name is a value, as Go reads it.
          add(info.filename === '' ? form : files, name, Buffer.concat(chunks).toString('utf8'));
        }
        settle();
      });
    });
    parser.on('error', fail);
    parser.on('close', () => {
      ended = true;
      settle();
    });
    parser.end(body);
  });
}

/**
 * Reads a body as go-httpbin does, by the Content-Type before its first `;`,
 * exactly as sent: `text/html` and `text/plain` are text, `application/json`
 * JSON, the two form types forms; any other type (or none) is kept as a
 * `data:` URL in base64. A body that does not parse as its type is a 400
 * `HttpError`.
 */
export async function bodyFields(
  contentType: string | undefined,
  body: Buffer,
): Promise<BodyFields> {
  const fields = noBody();
  if (body.length === 0) return fields;
  const type = (contentType ?? '').split(';', 1)[0]!;
  switch (type) {
    case 'text/html':
    case 'text/plain':
      fields.data = body.toString('utf8');
      return fields;
    case 'application/x-www-form-urlencoded': {
      fields.data = body.toString('utf8');
      const { lists, malformed } = parsePairs(body.toString('latin1'));
      if (malformed) throw bodyError('the form is malformed');
      fields.form = sorted(lists);
      return fields;
    }
    case 'multipart/form-data': {
      fields.data = body.toString('utf8');
      Object.assign(fields, await parseMultipart(contentType!, body));
      return fields;
    }
    case 'application/json':
      fields.data = body.toString('utf8');
      try {
        fields.json = JSON.parse(fields.data, finiteNumbers);
      } catch (err) {
        throw bodyError((err as Error).message, err);
      }
      return fields;
    default:
      fields.data = `data:${type || 'application/octet-stream'};base64,${base64WithPadding(body)}`;
      return fields;
  }
}
