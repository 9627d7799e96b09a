// sse(res): the one Server-Sent Events writer, for the capture feeds and any handler of a user's.
import type { Response } from 'express';

/** What {@link sse} gives: a way to send events, and to end the stream. */
export interface EventStream {
  /**
   * Sends one event: `data` as it is (a string) or as JSON, split into one
   * `data:` line per line of it, with an `event:` name and an `id:` when
   * given (a client that reconnects sends the last id back as
   * `Last-Event-ID`). Returns `false` once the stream is closed.
   */
  send(data: unknown, options?: { event?: string; id?: string }): boolean;
  /**
   * Resolves once what was sent has gone to the client (or the stream has
   * ended): a handler sending a backlog awaits it now and then, so the
   * backlog goes at the pace the client reads and never past `maxBuffered`.
   */
  drained(): Promise<void>;
  /** Ends the stream (the client may reconnect); closing twice is fine. */
  close(): void;
  /** Whether the stream has ended (closed here, or the client went away). */
  readonly closed: boolean;
  /** Calls `listener` once when the stream ends, whoever ended it. */
  onClose(listener: () => void): void;
}

/** Options for {@link sse}. */
export interface EventStreamOptions {
  /** Milliseconds between heartbeats (comment lines that keep proxies from closing an idle stream). Defaults to `15000`. */
  heartbeat?: number;
  /** The reconnection delay a client is told to use, in milliseconds. Defaults to none sent. */
  retry?: number;
  /**
   * Bytes the stream may hold for a client that reads slower than events
   * come; past it the connection is dropped (a client that reconnects with
   * `Last-Event-ID` gets what it missed, where the events are kept).
   * Defaults to `8388608` (8 MiB).
   */
  maxBuffered?: number;
}

/** A value of a field: no CR or LF may reach the wire inside one. */
function field(value: string): string {
  return value.replace(/[\r\n]/g, ' ');
}

/**
 * Starts a Server-Sent Events stream on `res` (`text/event-stream`, never
 * cached, never buffered by a proxy) and gives its writer. Multi-line data
 * is split into `data:` lines (CR, LF and CRLF all end a line, as the
 * EventSource parser reads them), heartbeats keep the connection alive,
 * the stream ends cleanly when the client goes away, and a client that
 * stops reading is dropped once `maxBuffered` bytes wait for it.
 *
 * ```ts
 * app.get('/events', (req, res) => {
 *   const stream = sse(res);
 *   const timer = setInterval(() => stream.send({ now: Date.now() }, { event: 'tick' }), 1000);
 *   stream.onClose(() => clearInterval(timer));
 * });
 * ```
 */
export function sse(res: Response, options: EventStreamOptions = {}): EventStream {
  const heartbeat = options.heartbeat ?? 15_000;
  const maxBuffered = options.maxBuffered ?? 8 * 1024 * 1024;
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Accel-Buffering', 'no');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.flushHeaders();
  // Small writes go out at once, not after Nagle's delay.
  res.socket?.setNoDelay(true);
  if (options.retry !== undefined)
    res.write(`retry: ${Math.max(0, Math.floor(options.retry))}\n\n`);
  let closed = false;
  const listeners: (() => void)[] = [];
  const timer = setInterval(() => {
    if (!closed) res.write(':\n\n');
  }, heartbeat);
  timer.unref();
  const end = () => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    for (const listener of listeners.splice(0)) listener();
  };
  res.once('close', end);
  return {
    send(data, { event, id } = {}) {
      if (closed) return false;
      const text = typeof data === 'string' ? data : JSON.stringify(data);
      let frame = '';
      if (id !== undefined) frame += `id: ${field(id)}\n`;
      if (event !== undefined) frame += `event: ${field(event)}\n`;
      for (const line of text.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
      res.write(`${frame}\n`);
      if (res.writableLength > maxBuffered) {
        // A client that does not read: its events are dropped with its connection, not kept here.
        end();
        res.destroy();
        return false;
      }
      return true;
    },
    drained() {
      if (closed || !res.writableNeedDrain) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    },
    close() {
      if (closed) return;
      end();
      res.end();
    },
    get closed() {
      return closed;
    },
    onClose(listener) {
      if (closed) listener();
      else listeners.push(listener);
    },
  };
}
