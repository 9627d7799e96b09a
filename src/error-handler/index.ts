// The errorHandler() middleware: renders any error as a small HTML page or problem JSON.
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { ConfigError, defaultExplanation, reasonPhrase } from '../shared/errors';
import { assertNotMiddlewareCall, booleanOption, optionsObject, show } from '../shared/options';
import { sendBody } from '../http/respond';
import { renderErrorHtml, renderErrorJson, type ErrorView } from './page';

/** Options for {@link errorHandler}. */
export interface ErrorHandlerOptions {
  /** Include the stack trace in the page (for debugging only; it shows the server's files). Defaults to `false`. */
  stack?: boolean;
  /**
   * What to do with server errors (5xx, except those marked `expose: true`,
   * which are deliberate answers): `true` prints them to stderr, `false` stays
   * quiet, a function receives them. Defaults to `true`, except when
   * `NODE_ENV` is `test`.
   */
  log?: boolean | ((err: unknown, req: Request) => void);
}

/** Headers describing the representation an aborted response was about to send. */
const REPRESENTATION_HEADERS = [
  'Content-Type',
  'Content-Length',
  'Content-Encoding',
  'Content-Language',
  'Content-Disposition',
  'Content-Range',
  'ETag',
  'Last-Modified',
];

interface ErrorLike {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  message?: unknown;
  reason?: unknown;
  headers?: unknown;
  stack?: unknown;
}

function statusOf(err: ErrorLike): number {
  const status = err.status ?? err.statusCode;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599
    ? status
    : 500;
}

/**
 * Renders an error as the original's small HTML page (code, message,
 * explanation), or as RFC 9457 problem details in JSON when the client
 * prefers JSON (typed `application/problem+json` when it asks for that). Client errors (4xx, or any error with `expose: true`)
 * show their message; other server errors show only the generic text. The
 * headers set before the error (`headers()`, `noCache()`, `Allow`) stay; an
 * error's own `headers` are added. Mount it last.
 */
export function errorHandler(opts?: ErrorHandlerOptions): ErrorRequestHandler {
  assertNotMiddlewareCall('errorHandler', opts);
  const example = 'errorHandler({ stack: false, log: true })';
  const options = optionsObject('errorHandler', opts, ['stack', 'log'], example);
  const stack = booleanOption('errorHandler', options, 'stack', false, example);
  const log = options.log ?? process.env.NODE_ENV !== 'test';
  if (typeof log !== 'boolean' && typeof log !== 'function') {
    throw new ConfigError(
      'errorHandler',
      `"log" must be true, false or a function (got ${show(log)}).`,
      example,
      'log',
    );
  }
  const report =
    typeof log === 'function'
      ? (log as (err: unknown, req: Request) => void)
      : log
        ? (err: unknown) => console.error(err)
        : undefined;

  return function errorHandlerMiddleware(
    raw: unknown,
    req: Request,
    res: Response,
    next: NextFunction,
  ) {
    // Too late for a page: let Express close the connection.
    if (res.headersSent) return next(raw);
    const err: ErrorLike =
      raw !== null && typeof raw === 'object' ? (raw as ErrorLike) : { message: String(raw) };
    const status = statusOf(err);
    // A 5xx that says it is meant for the client (the original's codes in
    // cache({ statusCodes: 'mixnmatchttp' })) is an answer, not a fault.
    if (status >= 500 && report && err.expose !== true) report(raw, req);
    const exposed = status < 500 ? err.expose !== false : err.expose === true;
    const view: ErrorView = {
      status,
      reason:
        exposed && typeof err.reason === 'string' && err.reason ? err.reason : reasonPhrase(status),
      explain:
        exposed && typeof err.message === 'string' && err.message
          ? err.message
          : defaultExplanation(status),
    };
    if (stack && typeof err.stack === 'string') view.stack = err.stack;

    for (const name of REPRESENTATION_HEADERS) res.removeHeader(name);
    if (err.headers !== null && typeof err.headers === 'object') {
      for (const [name, value] of Object.entries(err.headers)) {
        try {
          res.setHeader(name, value as string);
        } catch {
          // An invalid header on someone else's error is not worth a second failure.
        }
      }
    }
    // JSON when the client prefers it; the problem+json type only when it asks
    // for that by name, since `Accept: application/json` does not cover it.
    const type = req.accepts(['html', 'application/problem+json', 'json']);
    const json = type === 'json' || type === 'application/problem+json';
    const body = Buffer.from(json ? renderErrorJson(view) : renderErrorHtml(view), 'utf8');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    sendBody(
      res,
      status,
      json
        ? `application/${type === 'json' ? 'json' : 'problem+json'}; charset=utf-8`
        : 'text/html; charset=utf-8',
      body,
    );
  };
}
