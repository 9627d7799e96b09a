// Pure formatting of request log entries: one line of text, a JSON line, or the full request as the original printed it.

/** One request, as the log records it. */
export interface LogEntry {
  /** When the request arrived. */
  time: Date;
  /** The client's address. */
  address: string;
  method: string;
  /** The request target as sent (path and query, not canonicalised). */
  url: string;
  httpVersion: string;
  status: number;
  /** Milliseconds from arrival to the end of the response. */
  ms: number;
  /** Whether the client went away before the response was complete. */
  aborted: boolean;
  /** With bodies: the request headers as sent (name, value pairs). */
  headers?: readonly (readonly [string, string])[];
  /** With bodies: the request body, up to the limit. */
  body?: Buffer;
  /** With bodies: how many bytes of the body were left out. */
  truncated?: number;
}

/**
 * Every control character (C0, DEL, C1), the line and paragraph separators,
 * the invisible format characters that reorder or hide text on a terminal
 * (bidi overrides and isolates, zero-width characters, the BOM), and the
 * backslash that starts an escape: what a log line must not carry as it is.
 * A terminal acts on ESC, BEL and CR; a newline would start a forged entry;
 * U+202E would show a line reversed.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\\\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
/** The same, for a JSON line: JSON.stringify escapes C0 itself, but not the rest. */
const JSON_UNPRINTABLE = /[\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

const NAMED: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** `\\xNN` for a byte or an ASCII character, `\\uNNNN` for a character beyond ASCII. */
function hex(c: string, bytes = false): string {
  const code = c.charCodeAt(0);
  return code < 0x80 || bytes
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** In a body that is not UTF-8, read as bytes: what {@link UNPRINTABLE} matches, and every byte above ASCII. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE_BYTES = /[\\\x00-\x1f\x7f-\xff]/g;

/**
 * Text made safe for one log line: a backslash becomes `\\`, newline, CR
 * and tab `\n`, `\r`, `\t`, any other C0 character and DEL `\xNN`, C1
 * characters, the line separators and the invisible format characters
 * `\uNNNN`. Nothing is lost: the escapes read back unambiguously.
 */
export function escapeForLog(text: string): string {
  return text.replace(UNPRINTABLE, (c) => NAMED[c] ?? hex(c));
}

function summary(entry: LogEntry): string {
  const status = entry.aborted ? `${entry.status} (aborted)` : String(entry.status);
  const line = escapeForLog(`${entry.method} ${entry.url} HTTP/${entry.httpVersion}`).replace(
    /"/g,
    '\\"',
  );
  return `${entry.time.toISOString()} ${escapeForLog(entry.address)} "${line}" ${status} ${entry.ms.toFixed(1)}ms`;
}

/** Makes the body printable on its own line: UTF-8 text escaped, anything else as escaped bytes. */
function printableBody(body: Buffer): string {
  const text = body.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(body)) return escapeForLog(text);
  return body.toString('latin1').replace(UNPRINTABLE_BYTES, (c) => NAMED[c] ?? hex(c, true));
}

/** A text entry: one summary line, then, with bodies, the whole request framed as the original framed it. */
export function formatText(entry: LogEntry): string {
  if (!entry.headers) return `${summary(entry)}\n`;
  const headers = entry.headers
    .map(([name, value]) => `${escapeForLog(name)}: ${escapeForLog(value)}`)
    .join('\n');
  const body = entry.body && entry.body.length > 0 ? printableBody(entry.body) : '';
  const truncated = entry.truncated ? `\n[... ${entry.truncated} more bytes not logged]` : '';
  return `${summary(entry)}
----- Request Start ----->

${escapeForLog(`${entry.method} ${entry.url} HTTP/${entry.httpVersion}`)}
${headers}

${body}${truncated}

<----- Request End -----
`;
}

/**
 * A JSON line; a body that is not UTF-8 is given as base64. Control
 * characters in any field are `\u` escapes, DEL and C1 included, so the
 * line holds nothing a terminal acts on.
 */
export function formatJson(entry: LogEntry): string {
  const record: Record<string, unknown> = {
    time: entry.time.toISOString(),
    address: entry.address,
    method: entry.method,
    url: entry.url,
    httpVersion: entry.httpVersion,
    status: entry.status,
    ms: Math.round(entry.ms * 10) / 10,
  };
  if (entry.aborted) record.aborted = true;
  if (entry.headers) record.headers = entry.headers.map(([name, value]) => [name, value]);
  if (entry.body) {
    const text = entry.body.toString('utf8');
    if (Buffer.from(text, 'utf8').equals(entry.body)) record.body = text;
    else record.bodyBase64 = entry.body.toString('base64');
  }
  if (entry.truncated) record.truncated = entry.truncated;
  return `${JSON.stringify(record).replace(JSON_UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
