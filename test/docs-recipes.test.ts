// The docs' shell recipes that start servers and then use them, run exactly as pasted: each waits for its servers.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

jest.setTimeout(120_000);

const ROOT = path.join(__dirname, '..');

/** The first sh block of `file` that contains `marker`. */
function shBlock(file: string, marker: string): string {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  for (const match of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    if (match[1]!.includes(marker)) return match[1]!;
  }
  throw new Error(`${file} has no sh block with ${marker}`);
}

/**
 * Runs `block` with bash in `cwd` as a user pastes it, and gives what it
 * printed once it is done; then stops the servers it left in the
 * background (its process group).
 */
function paste(block: string, cwd: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    // A shell of its own group: the servers it starts with & are in it too.
    const shell = spawn('bash', ['-c', `${block}\nexit 0`], {
      cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    shell.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    shell.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    shell.once('error', reject);
    // A recipe whose servers never listen waits for ever: stopped, with what it said.
    const stuck = setTimeout(() => {
      process.kill(-shell.pid!, 'SIGTERM');
      reject(new Error(`still running after 60 s: ${stdout}${stderr}`));
    }, 60_000);
    shell.once('exit', (code) => {
      clearTimeout(stuck);
      try {
        process.kill(-shell.pid!, 'SIGTERM');
      } catch {
        // Nothing left in the group.
      }
      if (code !== 0) return reject(new Error(`exit ${code}: ${stderr}`));
      resolve({ code, stdout });
    });
  });
}

describe('recipes pasted as written', () => {
  const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

  it.each([
    ['docs/cli.md (recipe 3)', 'docs/cli.md', 'examples/pocs/open-redirect-cache'],
    [
      'the open-redirect-cache README',
      'examples/pocs/open-redirect-cache/README.md',
      'examples/pocs/open-redirect-cache',
    ],
  ])('%s: the payload is saved (204) once both servers listen', async (_name, file, folder) => {
    const block = shBlock(file, 'npx mixnmatch -p 58080 --reflect &');
    const { stdout } = await paste(block, path.join(ROOT, folder));
    expect(stdout).toMatch(/^204$/m);
  });

  it('the token-theft README: the payload is saved and both links are printed with fresh names', async () => {
    const folder = 'examples/pocs/token-theft';
    const block = shBlock(`${folder}/README.md`, 'npx mixnmatch -r victim');
    const { stdout } = await paste(block, path.join(ROOT, folder));
    expect(stdout).toMatch(/^204$/m);
    expect(stdout).toMatch(
      new RegExp(
        `^victim's link: +http://127\\.0\\.0\\.1:58080/cache/${UUID}\\?attacker=http://localhost:58081&loot=${UUID}$`,
        'm',
      ),
    );
    expect(stdout).toMatch(
      new RegExp(
        `^attacker's page: http://localhost:58081/\\?victim=http://127\\.0\\.0\\.1:58080&loot=${UUID}$`,
        'm',
      ),
    );
  });
});
