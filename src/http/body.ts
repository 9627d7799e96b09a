// Shared request-body helpers: what kind a Content-Type is, and reading a body with a size limit.
import bodyParser from 'body-parser';
import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'express';
import { HttpError } from '../shared/errors';
import { mediaType } from './headers';

/** What a request body is, by its Content-Type: JSON, a form, none given, or another type. */
export type BodyKind = 'json' | 'form' | 'none' | 'other';

/** `application/json` and `text/json` are JSON; `application/x-www-form-urlencoded` a form. */
export function bodyKind(contentType: string | undefined): BodyKind {
  if (contentType === undefined) return 'none';
  const type = mediaType(contentType);
  if (type === 'application/json' || type === 'text/json') return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  return type === '' ? 'none' : 'other';
}

/** A body-parser that reads any body as bytes, up to `limit`. */
type RawBodyParser = ReturnType<typeof bodyParser.raw>;

/** A parser reading any body as a Buffer, up to `limit` bytes (a larger one fails with status 413). */
function rawBodyParser(limit: number): RawBodyParser {
  return bodyParser.raw({ type: () => true, limit });
}

/**
 * Reads the request body with a body-parser (which enforces its limit) and
 * resolves to what `req.body` then holds; a parser mounted earlier in the
 * app may already have read it, and then that is what comes back.
 */
function readBody(parser: RawBodyParser, req: Request, res: Response): Promise<unknown> {
  return new Promise((resolve, reject) => {
    parser(req, res, (err?: unknown) => (err ? reject(err) : resolve(req.body)));
  });
}

/**
 * A body-parser error as an `HttpError` with a reason: a body over the limit
 * is a 413 saying `tooLarge`; any other failure a 4xx saying what went wrong.
 */
function bodyReadError(err: unknown, tooLarge: string): HttpError {
  if (err instanceof HttpError) return err;
  const e = (err ?? {}) as { status?: unknown; type?: unknown; message?: unknown };
  if (e.type === 'entity.too.large' || e.status === 413) {
    return new HttpError(413, tooLarge, { cause: err });
  }
  const status = typeof e.status === 'number' && e.status >= 400 && e.status < 500 ? e.status : 400;
  return new HttpError(status, `Cannot read the request body: ${String(e.message ?? err)}`, {
    cause: err,
  });
}

/** Whether a request carries a body: a `Transfer-Encoding`, or a `Content-Length` other than 0. */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Reads request bodies as bytes up to `limit` (or what a parser mounted
 * earlier already read, as {@link readBody}), rejecting with a 4xx
 * `HttpError` with the reason: a body over the limit is a 413 saying
 * `tooLarge`.
 */
export function bodyReader(
  limit: number,
  tooLarge: string,
): (req: Request, res: Response) => Promise<unknown> {
  const parser = rawBodyParser(limit);
  return async (req, res) => {
    refuseDeclaredPast(req, res, limit, tooLarge);
    return readBody(parser, req, res).catch((err: unknown) => {
      throw bodyReadError(err, tooLarge);
    });
  };
}

/**
 * A 413 at the headers for a body that declares a `Content-Length` past
 * `limit`, before a byte of it is read (body-parser would read all of it
 * first, holding the connection as long as the client sends); the
 * connection closes after the answer. A body a parser already read passes.
 */
function refuseDeclaredPast(req: Request, res: Response, limit: number, tooLarge: string): void {
  if ((req as { _body?: boolean })._body === true) return;
  const declared = req.headers['content-length'];
  if (declared === undefined || !(Number(declared) > limit)) return;
  res.setHeader('Connection', 'close');
  throw new HttpError(413, tooLarge);
}
