// What a capture records of a request: the Hit, its ids, and how one is built from a request and its response.
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { BodyCopy } from '../http/body-copy';

/** A body as a hit keeps it: text when it is UTF-8, else base64; its whole size and whether it was cut. */
export interface HitBody {
  /** The body, when it is UTF-8 text. */
  text?: string;
  /** The body in base64, when it is not UTF-8. */
  base64?: string;
  /** The whole body's size in bytes, kept or not. */
  size: number;
  /** Whether the body was longer than the capture kept. */
  truncated: boolean;
}

/** One captured request, as the API, the feed and HAR give it. */
export interface Hit {
  /** Ordered within a store: `<milliseconds>-<sequence>`, as Redis stream ids. */
  id: string;
  /** When the request arrived, ISO 8601. */
  time: string;
  /** The bin it was captured into. */
  bin: string;
  /** The path after the bin's id (`/bin/ID/login-form` → `login-form`); `''` without one. */
  label: string;
  method: string;
  /** The request target as it arrived (path and query, not decoded). */
  target: string;
  /** The path of the target, percent-decoded where it decodes. */
  path: string;
  /** The query's parameters in order, repeated names kept. */
  query: [string, string][];
  httpVersion: string;
  /** The headers in the order received, repeats kept, names as sent. */
  headers: [string, string][];
  remoteAddress: string;
  remotePort: number;
  tls: boolean;
  body: HitBody;
  /** The status the response had. */
  status: number;
  durationMs: number;
  /** The worker that answered (`--workers`), 0 for a single process. */
  worker: number;
  /** What a bin answered (headers and body), for HAR; absent for other hits. */
  response?: { headers: [string, string][]; body: HitBody };
}

/** A hit before its store gives it an id. */
export type NewHit = Omit<Hit, 'id'>;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** A body as a hit keeps it. */
export function hitBody(
  bytes: Buffer,
  size = bytes.length,
  truncated = size > bytes.length,
): HitBody {
  try {
    return { text: UTF8.decode(bytes), size, truncated };
  } catch {
    return { base64: bytes.toString('base64'), size, truncated };
  }
}

/** A hit body's bytes. */
export function bodyBytes(body: HitBody): Buffer {
  return body.text !== undefined
    ? Buffer.from(body.text, 'utf8')
    : Buffer.from(body.base64 ?? '', 'base64');
}

/** Splits a hit id into its two numbers. */
function idParts(id: string): [number, number] {
  const dash = id.indexOf('-');
  return dash === -1 ? [Number(id), 0] : [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

/** A hit id's form: `<milliseconds>-<sequence>`. */
export const HIT_ID = /^\d{1,16}-\d{1,16}$/;

/** Orders hit ids: negative when `a` came first. */
export function compareHitIds(a: string, b: string): number {
  const [am, as] = idParts(a);
  const [bm, bs] = idParts(b);
  return am - bm || as - bs;
}

/** Hands out ordered hit ids: the time in milliseconds, and a sequence within a millisecond. */
export class HitIds {
  #ms = 0;
  #seq = 0;

  /** The next id, after every id given or {@link seen} before. */
  next(): string {
    const now = Date.now();
    if (now > this.#ms) {
      this.#ms = now;
      this.#seq = 0;
    } else {
      this.#seq += 1;
    }
    return `${this.#ms}-${this.#seq}`;
  }

  /** Makes later ids come after `id` (one loaded from a file, say). */
  seen(id: string): void {
    const [ms, seq] = idParts(id);
    if (ms > this.#ms || (ms === this.#ms && seq > this.#seq)) [this.#ms, this.#seq] = [ms, seq];
  }
}

/** The query of a target, as name/value pairs in order (`+` is a space; malformed escapes kept as sent). */
function queryPairs(target: string): [string, string][] {
  const mark = target.indexOf('?');
  if (mark === -1) return [];
  const pairs: [string, string][] = [];
  for (const part of target.slice(mark + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([decodeLoosely(name), decodeLoosely(value)]);
  }
  return pairs;
}

/** Percent-decodes what decodes; anything else stays as sent. */
function decodeLoosely(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** The worker a process is, for `worker` (0 for a single process). */
const WORKER = cluster.isWorker ? (cluster.worker?.id ?? 0) : 0;

/** Everything a hit records, from a request that has been answered and its copied body. */
export function buildHit(
  req: Request,
  res: Response,
  bin: string,
  label: string,
  started: { time: Date; hr: bigint },
  copy: BodyCopy,
  response?: Hit['response'],
): NewHit {
  const target = req.originalUrl ?? req.url;
  const mark = target.indexOf('?');
  const rawPath = mark === -1 ? target : target.slice(0, mark);
  const headers: [string, string][] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
  }
  return {
    time: started.time.toISOString(),
    bin,
    label,
    method: req.method,
    target,
    path: decodeLoosely(rawPath.replace(/\+/g, '%2B')),
    query: queryPairs(target),
    httpVersion: req.httpVersion,
    headers,
    remoteAddress: req.socket.remoteAddress ?? '',
    remotePort: req.socket.remotePort ?? 0,
    tls: (req.socket as { encrypted?: boolean }).encrypted === true,
    body: hitBody(copy.body, copy.size, copy.truncated > 0),
    status: res.statusCode,
    durationMs: Math.round(Number(process.hrtime.bigint() - started.hr) / 1e4) / 100,
    worker: WORKER,
    ...(response ? { response } : {}),
  };
}

/** Bin ids: 26 characters of lower-case base32 (130 random bits), so that one also works as a DNS label. */
export const BIN_ID = /^[a-z2-7]{26}$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A fresh, unguessable bin id. */
export function newBinId(): string {
  const bytes = randomBytes(17);
  let id = '';
  for (let i = 0; i < 26; i++) {
    const bit = i * 5;
    const byte = bit >> 3;
    const pair = (bytes[byte]! << 8) | (bytes[byte + 1] ?? 0);
    id += BASE32[(pair >> (11 - (bit & 7))) & 31];
  }
  return id;
}
