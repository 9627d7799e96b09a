// HTTP error classes passed to next(err), and the construction-time configuration error.
import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

/**
 * The longer explanation shown under an error page's status line when an error
 * carries none of its own (the texts of Python's `http.HTTPStatus`, which the
 * original server used).
 */
const EXPLANATIONS: Readonly<Record<number, string>> = {
  400: 'Bad request syntax or unsupported method',
  401: 'No permission -- see authorization schemes',
  403: 'Request forbidden -- authorization will not help',
  404: 'Nothing matches the given URI',
  405: 'Specified method is invalid for this resource',
  406: 'URI not available in preferred format',
  408: 'Request timed out; try again later',
  409: 'Request conflict',
  410: 'URI no longer exists and has been permanently removed',
  411: 'Client must specify Content-Length',
  412: 'Precondition in headers is false',
  413: 'Entity is too large',
  414: 'URI is too long',
  415: 'Entity body in unsupported format',
  416: 'Cannot satisfy request range',
  429: 'The user has sent too many requests in a given amount of time',
  431: 'The server refused this request because the request header fields are too large',
  500: 'Server got itself in trouble',
  501: 'Server does not support this operation',
  502: 'Invalid responses from another server/proxy',
  503: 'The server cannot process the request due to a high load',
  504: 'The gateway server did not receive a timely response',
  507: 'The server cannot store what the request asked it to store',
};

/** The standard reason phrase for a status code (`404` → `Not Found`). */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Unknown Error';
}

/** The default explanation for a status code, as the original's error pages gave it. */
export function defaultExplanation(status: number): string {
  return EXPLANATIONS[status] ?? reasonPhrase(status);
}

/** Options for {@link HttpError}. */
export interface HttpErrorOptions {
  /** The short reason shown as the page's "Message". Defaults to the status's reason phrase. */
  reason?: string;
  /** Headers to send with the error response (for example `Allow` or `Retry-After`). */
  headers?: Record<string, string>;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * An error meant for the client: `status` is the response code, `message` the
 * explanation shown to the client (`expose` is always true), `reason` the
 * short status line. `errorHandler()` renders it; any error handler that
 * understands `status`/`expose` (as for http-errors) can too.
 */
export class HttpError extends Error {
  /** The HTTP status code, 400–599. */
  readonly status: number;
  /** Same as `status`, for handlers that read `statusCode`. */
  readonly statusCode: number;
  /** Always true: the message is safe to show to the client. */
  readonly expose = true;
  /** The short reason phrase (the page's "Message"). */
  readonly reason: string;
  /** Headers the error response must carry, if any. */
  readonly headers?: Record<string, string>;

  constructor(status: number, message?: string, options: HttpErrorOptions = {}) {
    super(message ?? defaultExplanation(status), { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.statusCode = status;
    this.reason = options.reason ?? reasonPhrase(status);
    if (options.headers) this.headers = options.headers;
  }
}

/**
 * A handler that answers its own errors in its own format (token endpoints
 * answer JSON) carries, under this key, what `endpoints()` calls with the
 * refusals it makes before the handler runs (a method not allowed, a wrong
 * argument count) instead of passing them on.
 */
export const ANSWERS_ERRORS: unique symbol = Symbol('mixnmatch.answersErrors');

/** A handler with {@link ANSWERS_ERRORS}. */
export interface AnswersErrors {
  [ANSWERS_ERRORS]?: (err: HttpError, req: Request, res: Response, next: NextFunction) => void;
}

/** Base class of the errors `endpoints()` passes to `next(err)` for a request it cannot serve. */
export class EndpointError extends HttpError {}

/**
 * The path names no endpoint. `endpoints()` normally falls through with
 * `next()` instead; with `{ fallthrough: false }` it passes this 404.
 */
export class NotAnEndpointError extends EndpointError {
  constructor(path: string) {
    super(404, `${path} is not an endpoint.`);
  }
}

/** The endpoint exists but does not take this method: 405 with an `Allow` header. */
export class MethodNotAllowedError extends EndpointError {
  /** The methods the endpoint allows, in the order of its `Allow` header. */
  readonly allowed: readonly string[];

  constructor(allowed: readonly string[]) {
    const allow = allowed.join(', ');
    super(405, `Specified method is invalid for this resource. Allowed: ${allow}.`, {
      headers: { Allow: allow },
    });
    this.allowed = allowed;
  }
}

/** The endpoint needs more path arguments than the request gave: 404. */
export class MissingArgsError extends EndpointError {
  constructor() {
    super(404, 'Missing required argument.');
  }
}

/** The request gave more path arguments than the endpoint takes: 404. */
export class ExtraArgsError extends EndpointError {
  /** The arguments beyond what the endpoint takes, joined by `/`. */
  readonly extra: string;

  constructor(extra: string) {
    super(404, `Extra arguments: ${extra}.`);
    this.extra = extra;
  }
}

/**
 * A factory was given options it cannot work with. Thrown at construction
 * time, never per request; the message names the factory, the problem and,
 * where it helps, an example of a correct call.
 */
export class ConfigError extends TypeError {
  /** The factory that refused its options (`cache`). */
  readonly feature: string;
  /**
   * The option at fault (`maxSize`, `lockout.attempts`, `users`), when one
   * is, as its thrower names it (data, never read back from the message). A
   * tool that builds the options (the command) names its own flag from it.
   */
  readonly option: string | undefined;
  /** The problem alone, without the factory's name and the example. */
  readonly problem: string;

  constructor(feature: string, problem: string, example?: string, option?: string) {
    super(`${feature}(): ${problem}${example ? ` Example: ${example}` : ''}`);
    this.name = 'ConfigError';
    this.feature = feature;
    this.problem = problem;
    this.option = option;
  }
}
