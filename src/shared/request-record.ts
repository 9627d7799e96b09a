// The one record per request in which features note things for each other (its session, its access checks, its endpoint, its body's copy).

/**
 * What the features note about one request, for each other. Empty here:
 * each room declares its own fields by declaration merging, in the module
 * that writes them, so the record is typed, its fields are found by their
 * name, and one WeakMap holds them all.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface RequestRecord {}

const records = new WeakMap<object, RequestRecord>();

/** The record of a request, made at its first use. */
export function recordOf(req: object): RequestRecord {
  let record = records.get(req);
  if (record === undefined) records.set(req, (record = {}));
  return record;
}

/** The record of a request, when a feature has noted anything in it. */
export function peekRecord(req: object): RequestRecord | undefined {
  return records.get(req);
}
