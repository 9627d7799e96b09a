// The requestLog() middleware: one entry per request, optionally with the whole request, as text or JSON lines.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ConfigError } from '../shared/errors';
import { assertNotMiddlewareCall, booleanOption, optionsObject, show } from '../shared/options';
import { copyBody } from '../http/body-copy';
import { formatJson, formatText, type LogEntry } from './format';

export type { LogEntry } from './format';

/** Where log entries go: anything with `write(string)`, like `process.stdout` or a file stream. */
export interface LogStream {
  write(chunk: string): unknown;
}

/** Options for {@link requestLog}. */
export interface RequestLogOptions {
  /** Where entries are written. Defaults to `process.stdout`. */
  stream?: LogStream;
  /** `'text'` (a line each) or `'json'` (JSON lines). Defaults to `'text'`. */
  format?: 'text' | 'json';
  /**
   * Log the whole request — request line, headers and body — as the original
   * printed it, because testers read exfiltrated data there. Defaults to `false`.
   */
  bodies?: boolean;
  /** With `bodies`, how many bytes of a body are logged; the rest is counted. Defaults to `65536`. */
  bodyLimit?: number;
}

const EXAMPLE = "requestLog({ stream: process.stdout, format: 'json', bodies: true })";

/**
 * Logs one entry per request when its response ends (or the client goes
 * away): time, client address, method, target, status and duration. With
 * `bodies`, the request's headers and body too: the body is copied as the
 * request is read, without consuming it for the handlers, and a body nobody
 * read is read to the end after the response. Mount it first.
 */
export function requestLog(opts?: RequestLogOptions): RequestHandler {
  assertNotMiddlewareCall('requestLog', opts);
  const options = optionsObject(
    'requestLog',
    opts,
    ['stream', 'format', 'bodies', 'bodyLimit'],
    EXAMPLE,
  );
  const stream = (options.stream ?? process.stdout) as LogStream;
  if (typeof stream.write !== 'function') {
    throw new ConfigError(
      'requestLog',
      `"stream" must have a write() method (got ${show(stream)}).`,
      EXAMPLE,
      'stream',
    );
  }
  const format = options.format ?? 'text';
  if (format !== 'text' && format !== 'json') {
    throw new ConfigError(
      'requestLog',
      `"format" must be "text" or "json" (got ${show(format)}).`,
      EXAMPLE,
      'format',
    );
  }
  const render = format === 'json' ? formatJson : formatText;
  let warned = false;
  /** Writes an entry; a stream that throws loses the entry, never the request or the process (warned once). */
  const writeEntry = (text: string) => {
    try {
      stream.write(text);
    } catch (err) {
      if (!warned) {
        warned = true;
        process.emitWarning(
          `requestLog(): the stream refused an entry: ${(err as Error).message}`,
          {
            code: 'MIXNMATCH_LOG_WRITE',
          },
        );
      }
    }
  };
  const bodies = booleanOption('requestLog', options, 'bodies', false, EXAMPLE);
  const bodyLimit = options.bodyLimit ?? 65_536;
  if (typeof bodyLimit !== 'number' || !Number.isSafeInteger(bodyLimit) || bodyLimit < 0) {
    throw new ConfigError(
      'requestLog',
      `"bodyLimit" must be a number of bytes (got ${show(bodyLimit)}).`,
      EXAMPLE,
      'bodyLimit',
    );
  }

  return function requestLogMiddleware(req: Request, res: Response, next: NextFunction) {
    const start = process.hrtime.bigint();
    const time = new Date();
    const entry = (): LogEntry => ({
      time,
      address: req.socket.remoteAddress ?? '-',
      method: req.method,
      url: req.originalUrl,
      httpVersion: req.httpVersion,
      status: res.statusCode,
      ms: Number(process.hrtime.bigint() - start) / 1e6,
      aborted: !res.writableFinished,
    });

    if (!bodies) {
      res.once('close', () => writeEntry(render(entry())));
      return next();
    }

    const headers: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2)
      headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    // The entry is written once the body has all come, read by a handler or not.
    copyBody(req, res, bodyLimit, ({ body, truncated }) =>
      writeEntry(render({ ...entry(), headers, body, truncated })),
    );
    next();
  };
}
