// The command's error log: stderr, or --error-log FILE (each line stamped with its time, reopened on SIGHUP).
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ServerConfig } from './args';
import { errnoWords } from './server';

/**
 * Where the command says what goes wrong, and when it starts and stops:
 * stderr, or a file (`--error-log`), appended to one whole write per
 * message (so workers' lines never mix), each line stamped with its time.
 * `reopen()` opens the file again by its name: after logrotate moved it
 * away, the next line starts a new one.
 */
export class ErrorLog {
  #file: string | undefined;
  #fd: number | undefined;
  #failed = false;

  /** Sends what follows to `file`; throws (with the reason in words) when it cannot be opened. */
  open(file: string): void {
    let fd: number;
    try {
      fd = openSync(file, 'a', 0o640);
    } catch (err) {
      throw new Error(`--error-log ${file}: cannot write it: ${errnoWords(err)}`, { cause: err });
    }
    this.#close();
    this.#file = file;
    this.#fd = fd;
    this.#failed = false;
  }

  /** Whether messages go to a file. */
  get toFile(): boolean {
    return this.#file !== undefined;
  }

  /** Writes `text` (whole lines): to the file, stamped, or to stderr. */
  write(text: string): void {
    if (this.#fd === undefined) {
      process.stderr.write(text);
      return;
    }
    const stamp = new Date().toISOString();
    const lines = text
      .split('\n')
      .filter((line, i, all) => line !== '' || i < all.length - 1)
      .map((line) => `${stamp} ${line}\n`)
      .join('');
    try {
      writeSync(this.#fd, lines);
    } catch (err) {
      // A full disk, say: said once on stderr, and the message there too.
      if (!this.#failed) {
        this.#failed = true;
        process.stderr.write(
          `mixnmatch: cannot write the error log ${this.#file} (${errnoWords(err)}); writing to stderr\n`,
        );
      }
      process.stderr.write(text);
    }
  }

  /** Opens the file again by its name (SIGHUP after a rotation); a failure is written where it can be. */
  reopen(): void {
    if (this.#file === undefined) return;
    try {
      this.open(this.#file);
    } catch (err) {
      this.write(`mixnmatch: ${(err as Error).message}; writing on to the file as it was\n`);
    }
  }

  #close(): void {
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
    } catch {
      // Closed already.
    }
    this.#fd = undefined;
  }
}

/** Whether the command writes a log file SIGHUP reopens (then SIGHUP reopens them, instead of ending the command). */
export function rotatesLogs(config: ServerConfig): boolean {
  return config.errorLog !== undefined || (config.log !== undefined && config.log.target !== '-');
}

/** What the command says once its logs are open again. */
export const REOPENED = 'mixnmatch: SIGHUP: the logs are reopened\n';

/** A primary's request to a worker to reopen its logs. */
export function isReopen(message: unknown): boolean {
  return (message as { reopen?: unknown } | null)?.reopen === true;
}

/** A worker's word that it has reopened its logs. */
export function isReopened(message: unknown): boolean {
  return (message as { reopened?: unknown } | null)?.reopened === true;
}
