// After tsc: copies the files that are not TypeScript (the capture dashboard's page) from src/ into dist/.
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url);
cpSync(
  fileURLToPath(new URL('src/capture/page', root)),
  fileURLToPath(new URL('dist/capture/page', root)),
  {
    recursive: true,
  },
);
