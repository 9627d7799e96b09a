// Small request and response helpers shared by the routers: query values, bodies, empty and OPTIONS answers.
import type { Request, Response } from 'express';

/** The first value of a query parameter when it is a string (`?a=1&a=2` gives `'1'`), else `undefined`. */
export function queryParam(req: Request, name: string): string | undefined {
  // A bare Node request (a Router on http.createServer) has no parsed query.
  const query = req.query as Record<string, unknown> | undefined;
  if (query === undefined) {
    const mark = req.url.indexOf('?');
    return mark === -1
      ? undefined
      : (new URLSearchParams(req.url.slice(mark + 1)).get(name) ?? undefined);
  }
  const value = query[name];
  const first = Array.isArray(value) ? (value[0] as unknown) : value;
  return typeof first === 'string' ? first : undefined;
}

/** Ends the response with `status`, `Content-Type` and the body, with its length, in one write. */
export function sendBody(res: Response, status: number, type: string, body: Buffer): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/**
 * Ends the response with `status` and no body, in one write: with
 * `Content-Length: 0`, except for 204, which must not carry one.
 */
export function sendEmpty(res: Response, status: number): void {
  res.statusCode = status;
  if (status !== 204) res.setHeader('Content-Length', '0');
  res.end();
}

/**
 * Answers OPTIONS as the original did: 200, no body, `Allow`. When the
 * request is a CORS preflight that CORS middleware has approved (it set
 * `Access-Control-Allow-Origin`), the allowed methods are the resource's own:
 * `Access-Control-Allow-Methods` is set to `allow` unless `keepCors` and it
 * is set already.
 */
export function answerOptions(req: Request, res: Response, allow: string, keepCors = false): void {
  res.setHeader('Allow', allow);
  if (
    req.headers['access-control-request-method'] !== undefined &&
    res.getHeader('Access-Control-Allow-Origin') !== undefined &&
    !(keepCors && res.getHeader('Access-Control-Allow-Methods') !== undefined)
  ) {
    res.setHeader('Access-Control-Allow-Methods', allow);
  }
  sendEmpty(res, 200);
}
