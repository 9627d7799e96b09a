// Writing a file the command owns whole: a temporary file of a random name, made anew (never through one that is there), then put in place.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes `text` to `file` so a reader sees the old file or the new one,
 * whole: into a temporary file beside it, of a random name and made with
 * `O_EXCL` (no file or link planted there is followed), then renamed over
 * `file`. The temporary file goes on failure.
 */
export function writeFileWhole(file: string, text: string, mode: number): void {
  const temporary = path.join(
    path.dirname(path.resolve(file)),
    `.${path.basename(file)}.${randomBytes(8).toString('hex')}.tmp`,
  );
  const fd = openSync(temporary, 'wx', mode);
  try {
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (err) {
    try {
      unlinkSync(temporary);
    } catch {
      // Renamed already, or never there.
    }
    throw err;
  }
}
