// Jest's global setup: build dist/ from the sources first (as `npm run build` does), so tests of the command and the package never run a stale build.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function buildOnce(): void {
  const root = path.join(__dirname, '..');
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')],
    { cwd: root, stdio: 'inherit' },
  );
  // The files tsc does not emit (the capture dashboard's page).
  execFileSync(process.execPath, [path.join(root, 'scripts', 'copy-assets.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
}
