// The one parser of application/x-www-form-urlencoded bodies, byte for byte: the cache's pages and auth's credentials.

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Percent-decodes form bytes byte for byte: `+` is a space, `%XX` one byte,
 * every other byte itself. Nothing goes through UTF-8, so `%FF%00` is two
 * bytes. Returns `undefined` for a `%` not followed by two hex digits.
 */
export function percentDecode(bytes: Uint8Array): Buffer | undefined {
  const out = Buffer.allocUnsafe(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x25) {
      const high = hexValue(bytes[i + 1]);
      const low = hexValue(bytes[i + 2]);
      if (high === -1 || low === -1) return undefined;
      out[length++] = high * 16 + low;
      i += 2;
    } else {
      out[length++] = byte === 0x2b ? 0x20 : byte;
    }
  }
  return out.subarray(0, length);
}

/** Decodes a form field's name leniently (a malformed escape stays as written): names only select fields. */
function fieldName(bytes: Uint8Array): string {
  return (percentDecode(bytes) ?? Buffer.from(bytes)).toString('utf8');
}

/**
 * Splits an `application/x-www-form-urlencoded` body into its fields, names
 * decoded, values still encoded (decode the ones you use with
 * {@link percentDecode}). Pairs are split on `&`, then on the first `=`; a
 * pair without `=` is a name with an empty value; empty pairs are skipped.
 * The first occurrence of a name wins.
 */
export function formFields(body: Uint8Array): Map<string, Buffer> {
  const fields = new Map<string, Buffer>();
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x26, start);
    if (end === -1) end = bytes.length;
    if (end > start) {
      const pair = bytes.subarray(start, end);
      const equals = pair.indexOf(0x3d);
      const name = fieldName(equals === -1 ? pair : pair.subarray(0, equals));
      if (!fields.has(name)) {
        fields.set(name, equals === -1 ? Buffer.alloc(0) : pair.subarray(equals + 1));
      }
    }
    start = end + 1;
  }
  return fields;
}
