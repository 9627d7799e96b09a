// Shared public types.
import type { Request } from 'express';

/** A value, or a function of the request that gives it. */
export type ValueOrFn<T> = T | ((req: Request) => T);
