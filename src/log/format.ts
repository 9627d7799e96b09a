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

function summary(entry: LogEntry): string {
  const status = entry.aborted ? `${entry.status} (aborted)` : String(entry.status);
  return `${entry.time.toISOString()} ${entry.address} "${entry.method} ${entry.url} HTTP/${entry.httpVersion}" ${status} ${entry.ms.toFixed(1)}ms`;
}

/** Makes the body printable: UTF-8 as it is, anything else as escaped bytes. */
function printableBody(body: Buffer): string {
  const text = body.toString('utf8');
  return Buffer.from(text, 'utf8').equals(body)
    ? text
    : body
        .toString('latin1')
        .replace(/[\x80-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A text entry: one summary line, then, with bodies, the whole request framed as the original framed it. */
export function formatText(entry: LogEntry): string {
  if (!entry.headers) return `${summary(entry)}\n`;
  const headers = entry.headers.map(([name, value]) => `${name}: ${value}`).join('\n');
  const body = entry.body && entry.body.length > 0 ? printableBody(entry.body) : '';
  const truncated = entry.truncated ? `\n[... ${entry.truncated} more bytes not logged]` : '';
  return `${summary(entry)}
----- Request Start ----->

${entry.method} ${entry.url} HTTP/${entry.httpVersion}
${headers}

${body}${truncated}

<----- Request End -----
`;
}

/** A JSON line; a body that is not UTF-8 is given as base64. */
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
  return `${JSON.stringify(record)}\n`;
}
