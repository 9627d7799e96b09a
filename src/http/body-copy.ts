// Copying a request body as its handlers read it, for the request log and the capture of hits, without taking it from them.
import type { Request, Response } from 'express';
import { peekRecord, recordOf } from '../shared/request-record';

/** A copy of a request body: the bytes kept, the whole size and how many bytes were past the limit. */
export interface BodyCopy {
  /** The first bytes of the body, up to the limit. */
  body: Buffer;
  /** The whole body's size, in bytes. */
  size: number;
  /** How many bytes were past the limit, not kept. */
  truncated: number;
}

/** One copy per request, shared by everything that asked for one. */
interface Copier {
  chunks: Buffer[];
  kept: number;
  size: number;
  limit: number;
  waiting: ((copy: BodyCopy) => void)[];
}

declare module '../shared/request-record' {
  interface RequestRecord {
    /** The copy of the request's body being taken, until it is done. */
    copier?: Copier;
  }
}

/** Keeps a chunk a request emitted, up to its copier's limit. */
function record(copier: Copier, data: unknown): void {
  const chunk = Buffer.isBuffer(data) ? data : Buffer.from(String(data));
  copier.size += chunk.length;
  const room = copier.limit - copier.kept;
  if (room > 0) {
    copier.chunks.push(room >= chunk.length ? chunk : chunk.subarray(0, room));
    copier.kept += Math.min(room, chunk.length);
  }
}

/** The request prototypes of apps whose `emit` records the chunks of requests being copied. */
const tapped = new WeakSet<object>();

/**
 * Makes the `emit` of the request's app (its own prototype, `app.request`)
 * record the chunks of the requests being copied: defined once per app, so
 * a request gets no property of its own (which would cost every request
 * its hidden class). False for a request without an app (a bare Node
 * request), which is then tapped by itself.
 */
function tapApp(req: Request): boolean {
  const proto = Object.getPrototypeOf(req) as { emit: typeof req.emit } | null;
  const app = (req as { app?: { request?: unknown } }).app;
  if (proto === null || app === undefined || proto !== app.request) return false;
  if (!tapped.has(proto)) {
    tapped.add(proto);
    const inherited = proto.emit;
    Object.defineProperty(proto, 'emit', {
      configurable: true,
      writable: true,
      value: function copyingEmit(this: Request, event: string | symbol) {
        if (event === 'data') {
          const copier = peekRecord(this)?.copier;
          // eslint-disable-next-line prefer-rest-params -- arguments passed on as they came, without an array per call
          if (copier) record(copier, arguments[1]);
        }
        // eslint-disable-next-line prefer-rest-params
        return inherited.apply(this, arguments as unknown as Parameters<typeof inherited>);
      },
    });
  }
  return true;
}

/** What a copier kept, as a copy. */
function copyOf(copier: Copier): BodyCopy {
  return {
    body: Buffer.concat(copier.chunks),
    size: copier.size,
    truncated: copier.size - copier.kept,
  };
}

function finish(req: Request, copier: Copier): void {
  const copy = copyOf(copier);
  recordOf(req).copier = undefined;
  for (const done of copier.waiting.splice(0)) done(copy);
}

/**
 * Copies the body of `req` as the handlers read it, keeping up to `limit`
 * bytes, and calls `done` with the copy once the response is over and the
 * body has all come (a body nobody read, a form posted to a static page, is
 * read to the end then). A listener of its own would start the stream
 * flowing before the handlers are ready for it, so the copy is taken from
 * the stream's own `data` events (through the `emit` of the app's request
 * prototype). Several callers share one copy.
 */
export function copyBody(
  req: Request,
  res: Response,
  limit: number,
  done: (copy: BodyCopy) => void,
): void {
  const existing = peekRecord(req)?.copier;
  if (existing) {
    existing.limit = Math.max(existing.limit, limit);
    existing.waiting.push((copy) =>
      done(
        copy.body.length > limit
          ? { body: copy.body.subarray(0, limit), size: copy.size, truncated: copy.size - limit }
          : copy,
      ),
    );
    return;
  }
  const copier: Copier = { chunks: [], kept: 0, size: 0, limit, waiting: [done] };
  recordOf(req).copier = copier;
  let restore: (() => void) | undefined;
  if (!tapApp(req)) {
    const emit = req.emit;
    req.emit = function copyingEmit(this: Request, event: string | symbol, ...args: unknown[]) {
      if (event === 'data') record(copier, args[0]);
      return emit.call(this, event, ...args);
    } as typeof req.emit;
    restore = () => (req.emit = emit);
  }

  res.once('close', () => {
    const complete = () => {
      restore?.();
      finish(req, copier);
    };
    if (req.readableEnded || req.destroyed) return complete();
    let ended = false;
    const once = () => {
      if (!ended) complete();
      ended = true;
    };
    req.once('end', once);
    req.once('close', once);
    req.resume();
  });
}

/**
 * Reads the whole body of a request the caller answers itself, keeping up
 * to `limit` bytes: the copy once the body has all come (or the request
 * was cut off).
 */
export function readCopy(req: Request, limit: number): Promise<BodyCopy> {
  const copier: Copier = { chunks: [], kept: 0, size: 0, limit, waiting: [] };
  return new Promise((resolve) => {
    const done = () => {
      req.off('data', keep);
      resolve(copyOf(copier));
    };
    const keep = (chunk: unknown) => record(copier, chunk);
    if (req.readableEnded || req.destroyed) return done();
    req.on('data', keep);
    req.once('end', done);
    req.once('close', done);
    // A stream paused before (by a middleware in front) flows again: the body is read to its end.
    req.resume();
  });
}
