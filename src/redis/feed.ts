// Following a Redis Stream from its end while anyone listens: the capture feed and the page store's saves use it.
import { command, replyArray, replyString, type SendCommand } from '.';

/** How a {@link StreamFeed} reads its stream. */
export interface StreamFeedOptions {
  /** Sends ordinary commands. */
  send: SendCommand;
  /** A connection of its own for `XREAD BLOCK`; without it the feed polls every 100 ms. */
  blocking: SendCommand | undefined;
  /** The store, for its errors. */
  store: string;
  /** The stream's key. */
  key: string;
  /** Whether anyone still listens: the feed stops reading when no one does. */
  active(): boolean;
  /** Told each entry read, in order: its id and its fields (name, value, …). */
  onEntry(id: string, fields: string[]): void;
}

/**
 * The entries of one stream in an `XREAD` reply, as `[id, fields]`: clients
 * and protocol versions give the reply as a list of [stream, entries], the
 * same flattened, or a map of stream to entries.
 */
function readEntries(reply: unknown): [string, string[]][] {
  if (reply === null || reply === undefined) return [];
  let entries: unknown;
  if (reply instanceof Map) entries = reply.values().next().value;
  else if (Array.isArray(reply))
    entries = Array.isArray(reply[0]) ? (reply[0] as unknown[])[1] : reply[1];
  else if (typeof reply === 'object') entries = Object.values(reply)[0];
  return replyArray(entries ?? []).map((entry) => {
    const [id, fields] = replyArray(entry);
    return [replyString(id)!, replyArray(fields).map((f) => replyString(f) ?? '')];
  });
}

/**
 * Reads a stream while anyone listens: from its end when it starts, then
 * every entry after the last one read, blocking on a connection of its own
 * (or polling every 100 ms without one). A Redis outage pauses it; it
 * resumes where it was.
 */
export class StreamFeed {
  readonly #options: StreamFeedOptions;
  #running = false;
  #closed = false;
  /** Whether the loop knows where the stream ends: an entry added from now on is read. */
  #live = false;
  #waiting: (() => void)[] = [];
  /** Until when the feed polls instead of blocking (its blocking connection failed). */
  #pollUntil = 0;

  constructor(options: StreamFeedOptions) {
    this.#options = options;
  }

  /** Starts reading, unless it reads already. */
  start(): void {
    if (!this.#running && !this.#closed) void this.#run();
  }

  /** Resolves once an entry added from now on will be read (at once when the feed is not running). */
  listening(): Promise<void> {
    if (!this.#running || this.#live) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Stops reading for good (the connections are the caller's). */
  close(): void {
    this.#closed = true;
  }

  async #run(): Promise<void> {
    const { send, blocking, store, key, active, onEntry } = this.#options;
    this.#running = true;
    let last: string | undefined;
    try {
      while (active() && !this.#closed) {
        try {
          if (last === undefined) {
            const tail = await command(send, store, ['XREVRANGE', key, '+', '-', 'COUNT', '1']);
            const [newest] = replyArray(tail);
            last = newest === undefined ? '0-0' : replyString(replyArray(newest)[0])!;
            this.#live = true;
            for (const resolve of this.#waiting.splice(0)) resolve();
          }
          // A blocking connection that failed is left alone for a while: the feed polls meanwhile.
          const blocks = blocking !== undefined && Date.now() >= this.#pollUntil;
          const args = ['XREAD', 'COUNT', '500'];
          if (blocks) args.push('BLOCK', '1000');
          args.push('STREAMS', key, last);
          let reply: unknown;
          try {
            reply = await command(blocks ? blocking : send, store, args, key);
          } catch (err) {
            if (!blocks) throw err;
            this.#pollUntil = Date.now() + 5000;
            continue;
          }
          const entries = readEntries(reply);
          for (const [id, fields] of entries) {
            last = id;
            onEntry(id, fields);
          }
          if (!blocks && entries.length === 0) await new Promise((r) => setTimeout(r, 100));
        } catch {
          // Redis is away: try again in a while, from where the stream was.
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    } finally {
      this.#running = false;
      this.#live = false;
      for (const resolve of this.#waiting.splice(0)) resolve();
    }
  }
}
