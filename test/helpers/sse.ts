// Reading a Server-Sent Events stream as a browser's EventSource parses it, for the feed tests.
import { get, type IncomingMessage } from 'node:http';

/** One event as EventSource dispatches it. */
export interface ServerEvent {
  event: string;
  id: string | undefined;
  data: string;
}

/** An open event stream: the response, the events so far, a way to wait for more, and to close it. */
export interface OpenStream {
  response: IncomingMessage;
  events: ServerEvent[];
  /** Comment lines (heartbeats) seen so far. */
  comments: number;
  /** Resolves once `count` events have come (all of them, counted from the start). */
  until(count: number): Promise<ServerEvent[]>;
  /** Resolves once a comment line has come. */
  untilComment(): Promise<void>;
  close(): void;
}

/**
 * Opens `url` as an event stream and parses it as the EventSource
 * specification does: lines end at CR, LF or CRLF, `data:` lines join with
 * LF, a blank line dispatches, a leading space after the colon is dropped.
 */
export function openStream(url: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (response) => {
      const events: ServerEvent[] = [];
      const waiters: { count: number; done: () => void }[] = [];
      const commentWaiters: (() => void)[] = [];
      let comments = 0;
      let buffer = '';
      let current: { event: string; id: string | undefined; data: string[] } = {
        event: 'message',
        id: undefined,
        data: [],
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (;;) {
          const match = /\r\n|\r|\n/.exec(buffer);
          // A lone CR at the end may be the first half of a CRLF: wait for more.
          if (!match || (match[0] === '\r' && match.index === buffer.length - 1)) break;
          const line = buffer.slice(0, match.index);
          buffer = buffer.slice(match.index + match[0].length);
          if (line === '') {
            if (current.data.length > 0) {
              events.push({ event: current.event, id: current.id, data: current.data.join('\n') });
            }
            current = { event: 'message', id: current.id, data: [] };
            for (const waiter of waiters.filter((w) => events.length >= w.count)) waiter.done();
            continue;
          }
          if (line.startsWith(':')) {
            comments += 1;
            result.comments = comments;
            for (const done of commentWaiters.splice(0)) done();
            continue;
          }
          const colon = line.indexOf(':');
          const field = colon === -1 ? line : line.slice(0, colon);
          let value = colon === -1 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (field === 'data') current.data.push(value);
          else if (field === 'event') current.event = value;
          else if (field === 'id') current.id = value;
        }
      });
      const result: OpenStream = {
        response,
        events,
        comments,
        until(count) {
          if (events.length >= count) return Promise.resolve(events);
          return new Promise((done) => waiters.push({ count, done: () => done(events) }));
        },
        untilComment() {
          return new Promise((done) => commentWaiters.push(done));
        },
        close() {
          req.destroy();
        },
      };
      resolve(result);
    });
    req.on('error', reject);
  });
}
