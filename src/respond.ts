// Small response helpers shared by the routers: empty answers and OPTIONS answers.
import type { Request, Response } from 'express';

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
