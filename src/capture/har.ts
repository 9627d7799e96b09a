// Hits as HAR 1.2 (what browsers' devtools and playwright's routeFromHAR read) and as curl command lines.
import { STATUS_CODES } from 'node:http';
import type { Hit } from './hit';

/** The value of a header in a list of pairs (the first, names compared in any case). */
function headerOf(headers: readonly [string, string][], name: string): string | undefined {
  const lower = name.toLowerCase();
  return headers.find(([n]) => n.toLowerCase() === lower)?.[1];
}

/** The URL a hit asked for: its scheme, its `Host`, its target as sent. */
export function hitUrl(hit: Hit): string {
  const host = headerOf(hit.headers, 'host') ?? 'localhost';
  const target = hit.target.startsWith('/') ? hit.target : `/${hit.target}`;
  return `${hit.tls ? 'https' : 'http'}://${host}${target}`;
}

/** `name=value` pairs of a `Cookie` header. */
function cookiesOf(header: string | undefined): { name: string; value: string }[] {
  if (!header) return [];
  return header
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const eq = part.indexOf('=');
      return eq === -1
        ? { name: part, value: '' }
        : { name: part.slice(0, eq), value: part.slice(eq + 1) };
    });
}

const pairs = (headers: readonly [string, string][]) =>
  headers.map(([name, value]) => ({ name, value }));

/** One HAR entry for a hit. */
function entryOf(hit: Hit): Record<string, unknown> {
  const requestType = headerOf(hit.headers, 'content-type') ?? 'application/octet-stream';
  const responseHeaders = hit.response?.headers ?? [];
  const responseBody = hit.response?.body;
  const responseType = headerOf(responseHeaders, 'content-type') ?? '';
  const request: Record<string, unknown> = {
    method: hit.method,
    url: hitUrl(hit),
    httpVersion: `HTTP/${hit.httpVersion}`,
    cookies: cookiesOf(headerOf(hit.headers, 'cookie')),
    headers: pairs(hit.headers),
    queryString: hit.query.map(([name, value]) => ({ name, value })),
    headersSize: -1,
    bodySize: hit.body.size,
  };
  if (hit.body.size > 0) {
    request.postData = {
      mimeType: requestType,
      text: hit.body.text ?? hit.body.base64 ?? '',
      ...(hit.body.base64 !== undefined ? { comment: 'base64: the body is not UTF-8' } : {}),
    };
  }
  return {
    startedDateTime: hit.time,
    time: hit.durationMs,
    request,
    response: {
      status: hit.status,
      statusText: STATUS_CODES[hit.status] ?? '',
      httpVersion: `HTTP/${hit.httpVersion}`,
      cookies: [],
      headers: pairs(responseHeaders),
      content: {
        size: responseBody?.size ?? 0,
        mimeType: responseType,
        ...(responseBody?.text !== undefined ? { text: responseBody.text } : {}),
        ...(responseBody?.base64 !== undefined
          ? { text: responseBody.base64, encoding: 'base64' }
          : {}),
      },
      redirectURL: headerOf(responseHeaders, 'location') ?? '',
      headersSize: -1,
      bodySize: responseBody?.size ?? -1,
    },
    cache: {},
    timings: { send: 0, wait: hit.durationMs, receive: 0 },
    _mixnmatch: {
      id: hit.id,
      bin: hit.bin,
      label: hit.label,
      remoteAddress: hit.remoteAddress,
      worker: hit.worker,
    },
  };
}

/** A HAR 1.2 log of hits, oldest first. */
export function harOf(hits: readonly Hit[], version: string): Record<string, unknown> {
  return {
    log: {
      version: '1.2',
      creator: { name: 'mixnmatch', version },
      entries: hits.map(entryOf),
    },
  };
}

/** A word for a POSIX shell: single-quoted, a `'` inside closed, escaped and reopened. */
function quote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** Headers curl sets itself from the URL and the body, or that frame the message. */
const CURL_OWN = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

/** Control characters a terminal acts on when a line is pasted (tab and line breaks stay text in quotes). */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const TERMINAL_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/**
 * A hit as a curl command line that sends it again: the method, the URL
 * with the target as sent (`--path-as-is`, `--globoff` so `[1-9]` and
 * `{a,b}` are text), every header but those curl makes itself, and the
 * body (`--data-raw`, so a leading `@` names no file; a body that is not
 * UTF-8, or holds a control character a terminal would act on when the
 * line is pasted, goes through `base64 -d`). Quoted for a POSIX shell; a
 * captured `'` or `$(…)` stays text.
 */
export function curlOf(hit: Hit): string {
  const words = ['curl', '--path-as-is', '--globoff', '-X', quote(hit.method)];
  const host = headerOf(hit.headers, 'host');
  for (const [name, value] of hit.headers) {
    if (CURL_OWN.has(name.toLowerCase())) continue;
    words.push('-H', quote(`${name}: ${value}`));
  }
  if (host !== undefined) words.push('-H', quote(`Host: ${host}`));
  const text = hit.body.text;
  const base64 =
    hit.body.base64 ??
    (text !== undefined && TERMINAL_CONTROL.test(text)
      ? Buffer.from(text, 'utf8').toString('base64')
      : undefined);
  if (base64 !== undefined) words.push('--data-binary', '@-');
  else if (text !== undefined && hit.body.size > 0) words.push('--data-raw', quote(text));
  words.push(quote(hitUrl(hit)));
  const line = words.join(' ');
  return base64 !== undefined ? `printf %s ${quote(base64)} | base64 -d | ${line}` : line;
}
