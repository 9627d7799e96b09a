// Request and response helpers defined once on Express's prototypes, not written on every request.

/**
 * Defines a property on a prototype once, non-enumerable and configurable; a
 * later call for a name the prototype already has is a no-op. Writing an own
 * property on every request or response costs throughput; an accessor or
 * method on the prototype costs nothing per request.
 */
export function defineOnce(proto: object, name: string, descriptor: PropertyDescriptor): void {
  if (Object.prototype.hasOwnProperty.call(proto, name)) return;
  Object.defineProperty(proto, name, { configurable: true, enumerable: false, ...descriptor });
}
