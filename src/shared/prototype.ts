// Request and response helpers defined on the mounting app's own prototypes, never on Express's shared ones.

/**
 * The prototype a request or response of an Express app inherits from when
 * it is that app's own (`app.request`, `app.response`, which inherit from
 * `express.request`/`express.response`); `undefined` for one that reached
 * the middleware without an app (a Router on a bare `http` server), whose
 * prototype is Node's, shared by the whole process.
 */
function appPrototype(object: object, kind: 'request' | 'response'): object | undefined {
  const proto = Object.getPrototypeOf(object) as object | null;
  const app = (object as { app?: Record<string, unknown> }).app;
  return proto !== null && app !== undefined && proto === app[kind] ? proto : undefined;
}

/**
 * Defines `name` for `object` (a request or response) once, on the prototype
 * of the app that handles it, non-enumerable and configurable: an accessor
 * or method there costs nothing per request, where an own property written
 * on each costs throughput. Express's `express.request`/`express.response`,
 * shared by every app in the process, are never touched, so an app that
 * mounts nothing of mixnmatch has none of its helpers. Without an app, the
 * property goes on the object itself. A name already there is left alone.
 */
export function defineForApp(
  object: object,
  kind: 'request' | 'response',
  name: string,
  descriptor: PropertyDescriptor,
): void {
  if (name in object) return;
  const target = appPrototype(object, kind) ?? object;
  Object.defineProperty(target, name, { configurable: true, enumerable: false, ...descriptor });
}
