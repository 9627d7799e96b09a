#!/usr/bin/env node
// The mixnmatch command: parse the options, start the server, stop cleanly on SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from './args';
import { hashPasswordCommand } from './hash-password';
import { ConfigurationError, StartError, startServer } from './server';

/** How long requests in flight get to finish after a stop signal. */
const GRACE_MS = 10_000;

function version(): string {
  const pkg = JSON.parse(
    readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'),
  ) as { version: string };
  return pkg.version;
}

/** Process warnings (a factory's, such as cors()'s) in the command's own words, on stderr. */
function reportWarnings(): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    process.stderr.write(`mixnmatch: warning: ${warning.message}\n`);
  });
}

async function main(): Promise<void> {
  reportWarnings();
  if (process.argv[2] === 'hash-password') {
    process.exitCode = await hashPasswordCommand(
      process.argv.slice(3),
      process.stdin,
      process.stdout,
      process.stderr,
    );
    return;
  }
  const parsed = parseArgs(process.argv.slice(2), version());
  if (parsed.kind === 'exit') {
    process.stdout.write(parsed.stdout);
    process.stderr.write(parsed.stderr);
    process.exitCode = parsed.code;
    return;
  }
  const output = {
    out: (text: string) => process.stdout.write(text),
    err: (text: string) => process.stderr.write(text),
  };
  let running;
  try {
    running = await startServer(parsed.config, version(), output);
  } catch (err) {
    if (!(err instanceof StartError) && !(err instanceof ConfigurationError)) throw err;
    process.stderr.write(`mixnmatch: ${err.message}\n`);
    process.exitCode = err instanceof ConfigurationError ? 2 : 1;
    return;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      process.stderr.write(`mixnmatch: ${signal} again, stopping now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`mixnmatch: ${signal}, stopping once requests in flight are done\n`);
    setTimeout(() => {
      process.stderr.write('mixnmatch: requests still in flight after 10 s, closing them\n');
      running.server.closeAllConnections();
    }, GRACE_MS).unref();
    running.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `mixnmatch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exitCode = 1;
});
