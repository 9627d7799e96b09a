// What a bin answers at its capture URL: the response a user sets (status, headers, body, delay, a sequence), checked, and chosen per hit.
import { HttpError } from '../shared/errors';
import { headerBytes, headerProblem } from '../http/headers';
import { isPlainObject, show } from '../shared/options';

/** One answer a bin gives. */
export interface BinReply {
  /** The status. Defaults to `200`. */
  status?: number;
  /** Headers, a name to a value or a list of values. Defaults to `Access-Control-Allow-Origin: *` alone. */
  headers?: Record<string, string | string[]>;
  /** The body as text (UTF-8). Defaults to none. */
  body?: string;
  /** The body as base64 (bytes that are not text). */
  bodyBase64?: string;
}

/** What a bin answers: a reply, a delay, and a sequence of replies for its first hits. */
export interface BinResponse extends BinReply {
  /** Milliseconds to wait before answering (at most 10000). Defaults to `0`. */
  delayMs?: number;
  /** The first `times` hits get the first entry's reply, the next `times` the second's…; hits past the sequence get the bin's own reply. */
  sequence?: (BinReply & { times: number })[];
}

/** A reply ready to send. */
export interface Reply {
  status: number;
  headers: [string, string][];
  body: Buffer;
  delayMs: number;
}

const MAX_DELAY_MS = 10_000;
const MAX_BODY = 1024 * 1024;
const MAX_SEQUENCE = 100;
const EXAMPLE =
  '{ "status": 302, "headers": { "Location": "http://169.254.169.254/" }, "sequence": [{ "times": 1, "status": 200 }] }';

/**
 * Headers a bin may not send: anyone can make a bin, and these act on the
 * origin the bin shares with the app and its dashboard.
 */
const OWN_ORIGIN_HEADERS = new Set(['set-cookie', 'clear-site-data', 'service-worker-allowed']);

/**
 * Every bin answer is a sandboxed document: a page a bin serves runs no
 * script and has an origin of its own, so it can neither read the app nor
 * use the dashboard (which shares the app's origin).
 */
export const BIN_SANDBOX = 'sandbox';

function bad(problem: string): HttpError {
  return new HttpError(400, `${problem} Example: ${EXAMPLE}`);
}

function checkReply(value: Record<string, unknown>, where: string, keys: string[]): BinReply {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key))
      throw bad(`${where} has an unknown key "${key}" (keys: ${keys.join(', ')}).`);
  }
  const reply: BinReply = {};
  if (value.status !== undefined) {
    const status = value.status;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
      throw bad(`${where}: "status" must be an integer from 200 to 599 (got ${show(status)}).`);
    }
    reply.status = status;
  }
  if (value.headers !== undefined) {
    if (!isPlainObject(value.headers))
      throw bad(`${where}: "headers" must be an object of header names.`);
    const headers: Record<string, string | string[]> = {};
    for (const [name, given] of Object.entries(value.headers)) {
      const values = Array.isArray(given) ? (given as unknown[]) : [given];
      if (!values.every((v): v is string => typeof v === 'string')) {
        throw bad(`${where}: header ${show(name)} must be a string or a list of strings.`);
      }
      if (OWN_ORIGIN_HEADERS.has(name.toLowerCase())) {
        throw bad(
          `${where}: a bin may not send ${name}: anyone can make a bin, and that header acts on the app's own origin (its cookies, its storage, its service workers).`,
        );
      }
      for (const v of values.length > 0 ? values : ['']) {
        const problem = headerProblem(name, v);
        if (problem) throw bad(`${where}: ${problem}`);
      }
      headers[name] = Array.isArray(given) ? values : (given as string);
    }
    reply.headers = headers;
  }
  if (value.body !== undefined && value.bodyBase64 !== undefined) {
    throw bad(`${where}: give "body" or "bodyBase64", not both.`);
  }
  if (value.body !== undefined) {
    if (typeof value.body !== 'string') throw bad(`${where}: "body" must be a string.`);
    if (Buffer.byteLength(value.body) > MAX_BODY) throw bad(`${where}: "body" is over 1 MiB.`);
    reply.body = value.body;
  }
  if (value.bodyBase64 !== undefined) {
    const text = value.bodyBase64;
    if (typeof text !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
      throw bad(`${where}: "bodyBase64" must be base64.`);
    }
    if ((text.length / 4) * 3 > MAX_BODY + 2) throw bad(`${where}: "bodyBase64" is over 1 MiB.`);
    reply.bodyBase64 = text;
  }
  return reply;
}

/**
 * Checks a bin's response as the API takes it (JSON): a 400 naming what is
 * wrong, else the response. Header names must be tokens and values free
 * of control characters, as `/response-headers` has them; a header that
 * frames the response is refused.
 */
export function parseBinResponse(value: unknown): BinResponse {
  if (!isPlainObject(value)) throw bad('The response must be a JSON object.');
  const keys = ['status', 'headers', 'body', 'bodyBase64', 'delayMs', 'sequence'];
  const response: BinResponse = checkReply(
    Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'delayMs' && k !== 'sequence')),
    'the response',
    keys,
  );
  if (value.delayMs !== undefined) {
    const delay = value.delayMs;
    if (
      typeof delay !== 'number' ||
      !Number.isInteger(delay) ||
      delay < 0 ||
      delay > MAX_DELAY_MS
    ) {
      throw bad(`"delayMs" must be an integer from 0 to ${MAX_DELAY_MS} (got ${show(delay)}).`);
    }
    response.delayMs = delay;
  }
  if (value.sequence !== undefined) {
    if (!Array.isArray(value.sequence) || value.sequence.length > MAX_SEQUENCE) {
      throw bad(`"sequence" must be a list of at most ${MAX_SEQUENCE} replies.`);
    }
    response.sequence = value.sequence.map((entry: unknown, i) => {
      const where = `sequence entry ${i + 1}`;
      if (!isPlainObject(entry)) throw bad(`${where} must be an object.`);
      const { times, ...rest } = entry;
      if (typeof times !== 'number' || !Number.isInteger(times) || times < 1 || times > 1_000_000) {
        throw bad(`${where}: "times" must be a positive integer (got ${show(times)}).`);
      }
      return {
        ...checkReply(rest, where, ['times', 'status', 'headers', 'body', 'bodyBase64']),
        times,
      };
    });
  }
  return response;
}

/**
 * The reply for a bin's `ordinal`-th hit (0 for its first): the sequence's
 * entry it falls in, else the bin's own reply. Without headers, a reply
 * lets any origin read it (`Access-Control-Allow-Origin: *`); with a body,
 * it is never sniffed (`X-Content-Type-Options: nosniff`).
 */
export function replyFor(response: BinResponse | undefined, ordinal: number): Reply {
  let chosen: BinReply = response ?? {};
  let passed = 0;
  for (const entry of response?.sequence ?? []) {
    if (ordinal < passed + entry.times) {
      chosen = entry;
      break;
    }
    passed += entry.times;
  }
  const headers: [string, string][] = [];
  let corsSet = false;
  for (const [name, given] of Object.entries(chosen.headers ?? {})) {
    if (name.toLowerCase() === 'access-control-allow-origin') corsSet = true;
    // A response kept before these were refused (a file store's) sends them neither.
    if (OWN_ORIGIN_HEADERS.has(name.toLowerCase())) continue;
    for (const value of Array.isArray(given) ? given : [given])
      headers.push([name, headerBytes(value)]);
  }
  if (!corsSet) headers.push(['Access-Control-Allow-Origin', '*']);
  headers.push(['Content-Security-Policy', BIN_SANDBOX]);
  const body =
    chosen.bodyBase64 !== undefined
      ? Buffer.from(chosen.bodyBase64, 'base64')
      : Buffer.from(chosen.body ?? '', 'utf8');
  if (body.length > 0) headers.push(['X-Content-Type-Options', 'nosniff']);
  return { status: chosen.status ?? 200, headers, body, delayMs: response?.delayMs ?? 0 };
}
