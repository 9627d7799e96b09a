// The build: dist/ made afresh from src/ (a file moved or removed leaves nothing stale behind), then the files tsc does not emit (the capture dashboard's page), and the command made executable.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (relative) => fileURLToPath(new URL(relative, new URL('..', import.meta.url)));

rmSync(at('dist'), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', at('tsconfig.build.json')],
  { cwd: root, stdio: 'inherit' },
);
cpSync(at('src/capture/page'), at('dist/capture/page'), { recursive: true });
// The command runs as itself (`npx mixnmatch` in a clone runs the file; an install sets the mode on its own).
chmodSync(at('dist/cli/index.js'), 0o755);
