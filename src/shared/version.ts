// The package's own version, read once from its package.json (beside src/ and dist/ alike).
import { readFileSync } from 'node:fs';
import path from 'node:path';

let version: string | undefined;

/** The version in mixnmatch's package.json. */
export function packageVersion(): string {
  version ??= (
    JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  return version;
}
