// FileCaptureStore: the memory store, with every change appended to a JSON-lines file and replayed at start, so a restart loses nothing.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import type { Hit } from './hit';
import { compareHitIds, HIT_ID } from './hit';
import {
  CaptureStoreFullError,
  MemoryCaptureStore,
  type MemoryCaptureStoreOptions,
} from './memory-store';
import type { BinResponse } from './response';
import { positiveIntegerOption } from '../shared/options';

/** Options for {@link FileCaptureStore}. */
export interface FileCaptureStoreOptions extends MemoryCaptureStoreOptions {
  /** Told once when the file cannot be written (a full disk); the store keeps serving from memory. Defaults to a process warning. */
  onError?: (err: Error) => void;
  /**
   * The file is rewritten with what the store keeps once this many bytes
   * (and as many as the last rewrite wrote) have been appended since, so it
   * stays within about twice what the store keeps. Defaults to `8388608` (8 MiB).
   */
  compactBytes?: number;
}

/** One line of the file. */
type Line =
  | { t: 'bin'; id: string; createdAt: number; response?: BinResponse }
  | { t: 'response'; id: string; response?: BinResponse }
  | { t: 'hit'; hit: Hit }
  | { t: 'delete-bin'; id: string }
  | { t: 'delete-hit'; bin: string; id: string };

function isLine(value: unknown): value is Line {
  if (value === null || typeof value !== 'object') return false;
  const line = value as { t?: unknown; id?: unknown; hit?: { id?: unknown; bin?: unknown } };
  if (line.t === 'hit') {
    return (
      typeof line.hit?.id === 'string' &&
      HIT_ID.test(line.hit.id) &&
      typeof line.hit.bin === 'string'
    );
  }
  return (
    ['bin', 'response', 'delete-bin', 'delete-hit'].includes(line.t as string) &&
    typeof line.id === 'string'
  );
}

/**
 * A {@link MemoryCaptureStore} whose every change (a bin made, a response
 * set, a hit, a deletion) is appended to `file` as one JSON line, written
 * before the call returns. At start the file is read back (a line that does
 * not parse, a torn last line say, is skipped), the same retention applied,
 * and the file rewritten with what is kept, so it does not grow without
 * bound across restarts. A write that fails is reported once and the store
 * serves on from memory.
 */
export class FileCaptureStore extends MemoryCaptureStore {
  readonly file: string;
  #fd: number | undefined;
  #failed = false;
  readonly #compactBytes: number;
  /** Bytes appended since the file was last rewritten. */
  #appended = 0;
  /** The file's size when it was last rewritten. */
  #rewritten = 0;
  readonly #onError: (err: Error) => void;
  #loading = false;

  constructor(file: string, options: FileCaptureStoreOptions = {}) {
    const { onError, compactBytes, ...memory } = options;
    super(memory);
    this.#compactBytes = positiveIntegerOption(
      'FileCaptureStore',
      'compactBytes',
      compactBytes,
      8 * 1024 * 1024,
      'new FileCaptureStore(file, { compactBytes: 8388608 })',
    );
    this.file = file;
    this.#onError =
      onError ??
      ((err) =>
        process.emitWarning(`FileCaptureStore: cannot write ${file}: ${err.message}`, {
          code: 'MIXNMATCH_CAPTURE_FILE',
        }));
    this.#load();
    this.#rewritten = this.#compact();
    this.#fd = openSync(file, 'a');
  }

  #load(): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    this.#loading = true;
    try {
      for (const raw of text.split('\n')) {
        if (raw === '') continue;
        let line: unknown;
        try {
          line = JSON.parse(raw);
        } catch {
          continue;
        }
        if (!isLine(line)) continue;
        switch (line.t) {
          case 'bin':
            // A bin that no longer fits (the limits are smaller now) is left out.
            this.#fitting(() => super.createBin(line.id, line.response, line.createdAt));
            break;
          case 'response':
            this.#fitting(() => super.setResponse(line.id, line.response));
            break;
          case 'hit':
            this.keep(line.hit);
            break;
          case 'delete-bin':
            super.deleteBin(line.id);
            break;
          case 'delete-hit':
            super.deleteHit(line.bin, line.id);
            break;
        }
      }
    } finally {
      this.#loading = false;
    }
  }

  /** Rewrites the file with what the store keeps now (its bins, then their hits in id order); gives its size. */
  /** Runs a change read back from the file, leaving it out when it no longer fits. */
  #fitting(change: () => unknown): void {
    try {
      change();
    } catch (err) {
      if (!(err instanceof CaptureStoreFullError)) throw err;
    }
  }

  #compact(): number {
    const lines: string[] = [];
    const bins = super.listBins();
    for (const bin of bins) {
      lines.push(
        JSON.stringify({ t: 'bin', id: bin.id, createdAt: bin.createdAt, response: bin.response }),
      );
    }
    const hits: Hit[] = [];
    for (const bin of bins) {
      let since: string | undefined;
      for (;;) {
        const page = super.hits(bin.id, { since, limit: 1000 });
        hits.push(...page);
        if (page.length < 1000) break;
        since = page[page.length - 1]!.id;
      }
    }
    hits.sort((a, b) => compareHitIds(a.id, b.id));
    for (const hit of hits) lines.push(JSON.stringify({ t: 'hit', hit }));
    const temporary = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    const text = lines.length > 0 ? `${lines.join('\n')}\n` : '';
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.file);
    return Buffer.byteLength(text);
  }

  #append(line: Line): void {
    this.#appendText(JSON.stringify(line));
  }

  #appendText(line: string): void {
    if (this.#loading || this.#failed || this.#fd === undefined) return;
    try {
      this.#appended += writeSync(this.#fd, `${line}\n`);
      // Amortised: a rewrite follows at least as many bytes as it writes.
      if (this.#appended > Math.max(this.#compactBytes, this.#rewritten)) {
        closeSync(this.#fd);
        this.#fd = undefined;
        this.#rewritten = this.#compact();
        this.#appended = 0;
        this.#fd = openSync(this.file, 'a');
      }
    } catch (err) {
      this.#failed = true;
      this.#onError(err as Error);
    }
  }

  override createBin(id: string, response?: BinResponse, createdAt = Date.now()): boolean {
    if (!super.createBin(id, response, createdAt)) return false;
    this.#append({ t: 'bin', id, createdAt, ...(response ? { response } : {}) });
    return true;
  }

  override setResponse(id: string, response: BinResponse | undefined): boolean {
    if (!super.setResponse(id, response)) return false;
    this.#append({ t: 'response', id, ...(response ? { response } : {}) });
    return true;
  }

  protected override kept(json: string): void {
    this.#appendText(`{"t":"hit","hit":${json}}`);
  }

  override deleteBin(id: string): boolean {
    if (!super.deleteBin(id)) return false;
    this.#append({ t: 'delete-bin', id });
    return true;
  }

  override deleteHit(bin: string, id: string): boolean {
    if (!super.deleteHit(bin, id)) return false;
    this.#append({ t: 'delete-hit', bin, id });
    return true;
  }

  /** Closes the file (the memory is kept until the process ends). */
  override close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}
