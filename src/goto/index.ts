// The goto() router factory: /goto/{address} answers with a 307 redirect to the address.
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { endpointsHandler, routerOf } from '../endpoints';
import { ARGS_ANY } from '../endpoints';
import { HttpError } from '../shared/errors';
import { encodeLocation } from '../http/location';
import { assertNotMiddlewareCall } from '../shared/options';
import { sendEmpty } from '../http/respond';
import { gotoAddress, hasHost, joinLocation } from './address';
import { inferBase, locationHostname } from './hosts';
import { parseGotoOptions, type GotoOptions } from './options';

export { parseAllowedHosts } from './options';
export type { GotoHostPredicate, GotoOptions } from './options';

/** The one endpoint: raw arguments, so the address is not canonicalised on the way. */
const SPEC = {
  goto: { methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], args: ARGS_ANY, rawArgs: true },
} as const;

/**
 * The redirector, the original's `ProxyingHTTPRequestHandler`, as a Router
 * serving `/goto/{address}` for GET, POST, PUT, PATCH and DELETE (HEAD and
 * OPTIONS come with it). The address is everything after `/goto/`, decoded
 * once and not canonicalised, with the request's query as sent
 * (`/goto/http://x/y?a=1` → `http://x/y?a=1`); the original's
 * `/goto?/ADDRESS` form works too. An address naming its host is redirected
 * to with 307; any other is resolved against the host of the `Referer`,
 * `Origin`, `X-Forwarded-Host`, `X-Forwarded-For` or `Forwarded` header, in
 * that order, and with none of them the answer is 200 with an empty body.
 *
 * Mount it before other routers: a raw address can canonicalise into their
 * paths (`/goto///foo.baz/../..//cache`). The Location never carries control
 * characters (400) and has spaces and non-ASCII characters percent-encoded;
 * with `allowedHosts`, a redirect to another host gets 403.
 */
export function goto(opts?: GotoOptions): Router {
  assertNotMiddlewareCall('goto', opts);
  return routerOf(gotoMiddleware(opts));
}

/** The middleware {@link goto} puts in its Router (and `createApp()` mounts as it is). */
export function gotoMiddleware(opts?: GotoOptions): RequestHandler {
  const { allowHost } = parseGotoOptions(opts);

  async function gotoHandler(req: Request, res: Response, next: NextFunction): Promise<void> {
    const address = gotoAddress(req.endpoint.args, req.originalUrl);
    if (address === undefined) {
      return next(new HttpError(400, 'The goto address has malformed percent-encoding.'));
    }
    // Checked before anything else, so such an address is a 400 whether or not a host is found.
    let location = encodeLocation(address);
    if (!hasHost(location)) {
      const base = inferBase(req.headers);
      // No host anywhere: the original answered 200 with nothing to say.
      if (base === undefined) return sendEmpty(res, 200);
      // The referer's path may hold spaces or non-ASCII characters too.
      location = encodeLocation(joinLocation(base, location));
    }
    if (allowHost !== undefined) {
      const host = locationHostname(location);
      if (host === undefined) {
        return next(new HttpError(403, 'The redirect address has no host that can be checked.'));
      }
      if ((await allowHost(host, req)) !== true) {
        return next(new HttpError(403, `Redirects to "${host}" are not allowed.`));
      }
    }
    res.setHeader('Location', location);
    sendEmpty(res, 307);
  }

  return endpointsHandler(SPEC, { goto: gotoHandler });
}
