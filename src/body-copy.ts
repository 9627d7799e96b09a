// Copying a request body as its handlers read it, for the request log and the capture of hits, without taking it from them.
import type { Request, Response } from 'express';

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

const copiers = new WeakMap<Request, Copier>();

function finish(req: Request, copier: Copier): void {
  const copy: BodyCopy = {
    body: Buffer.concat(copier.chunks),
    size: copier.size,
    truncated: copier.size - copier.kept,
  };
  copiers.delete(req);
  for (const done of copier.waiting.splice(0)) done(copy);
}

/**
 * Copies the body of `req` as the handlers read it, keeping up to `limit`
 * bytes, and calls `done` with the copy once the response is over and the
 * body has all come (a body nobody read, a form posted to a static page, is
 * read to the end then). A listener of its own would start the stream
 * flowing before the handlers are ready for it, so the copy is taken from
 * the stream's own `data` events. Several callers share one copy.
 */
export function copyBody(
  req: Request,
  res: Response,
  limit: number,
  done: (copy: BodyCopy) => void,
): void {
  const existing = copiers.get(req);
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
  copiers.set(req, copier);
  const emit = req.emit;
  req.emit = function copyingEmit(this: Request, event: string | symbol, ...args: unknown[]) {
    if (event === 'data') {
      const chunk = Buffer.isBuffer(args[0]) ? args[0] : Buffer.from(String(args[0]));
      copier.size += chunk.length;
      const room = copier.limit - copier.kept;
      if (room > 0) {
        copier.chunks.push(room >= chunk.length ? chunk : chunk.subarray(0, room));
        copier.kept += Math.min(room, chunk.length);
      }
    }
    return emit.call(this, event, ...args);
  } as typeof req.emit;

  res.once('close', () => {
    const complete = () => {
      req.emit = emit;
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
