// Times canonicalisation of long paths in-process: the pure function, and the canonicalize() middleware called directly.
import express, { type Request, type Response } from 'express';
import { canonicalize } from '../src';
import { canonicalDecoded } from '../src/http/path';
import { dotPath } from './scenarios';

/** Microseconds per call for one path size. */
export interface CanonicalTiming {
  readonly bytes: number;
  /** `canonicalDecoded()` from src/endpoints/canonicalize.ts: decode, then resolve the segments. */
  readonly pureUs: number;
  /** The `canonicalize()` middleware, called with a request for the path. */
  readonly middlewareUs: number;
}

/** Runs `fn` for at least `ms` milliseconds (after a warm-up) and gives microseconds per call. */
function microsecondsPerCall(fn: () => unknown, ms: number): number {
  let sink: unknown;
  for (let i = 0; i < 200; i++) sink = fn();
  const start = process.hrtime.bigint();
  let calls = 0;
  let elapsed: number;
  do {
    for (let i = 0; i < 20; i++) sink = fn();
    calls += 20;
    elapsed = Number(process.hrtime.bigint() - start) / 1e3;
  } while (elapsed < ms * 1000);
  if (sink === undefined) throw new Error('nothing computed');
  return elapsed / calls;
}

/** Times paths of `sizes` bytes made of `/..`, `/.` and `//` runs. */
export function timeCanonicalization(sizes: readonly number[], ms: number): CanonicalTiming[] {
  const middleware = canonicalize();
  const req = Object.create(express.request) as Request;
  const res = {} as Response;
  return sizes.map((bytes) => {
    const target = dotPath(bytes);
    if (canonicalDecoded(target) !== '/end/page.html')
      throw new Error('dotPath() is not canonicalised as expected');
    const pureUs = microsecondsPerCall(() => canonicalDecoded(target), ms);
    let url: string | undefined;
    const middlewareUs = microsecondsPerCall(() => {
      req.url = target;
      req.originalUrl = target;
      middleware(req, res, () => (url = req.url));
      return url;
    }, ms);
    if (url !== '/end/page.html') throw new Error(`canonicalize() gave ${url}`);
    return { bytes, pureUs, middlewareUs };
  });
}
