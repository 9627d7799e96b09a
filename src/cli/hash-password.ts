// `mixnmatch hash-password`: prints the scrypt hash of a password read from stdin, for a users file.
import { hashPassword } from '../accounts';

const USAGE = `Usage: mixnmatch hash-password
Reads a password from stdin (one line; typed without echo on a terminal)
and prints its hash for the "passwordHash" of a --users file:
  printf '%s' 'wonderland1' | mixnmatch hash-password
`;

/** Where a password is read from: stdin, a terminal or a pipe. */
export interface Input extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** Reads one password: the whole input (without a final newline), or a line typed without echo. */
export function readPassword(input: Input, prompt: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const tty = input.isTTY === true && typeof input.setRawMode === 'function';
    if (tty) {
      prompt.write('Password: ');
      input.setRawMode!(true);
    }
    const done = () => {
      if (tty) {
        input.setRawMode!(false);
        prompt.write('\n');
      }
      input.removeListener('data', onData);
      input.pause();
      resolve(text.replace(/\r?\n$/, ''));
    };
    const onData = (chunk: Buffer | string) => {
      const data = chunk.toString();
      if (!tty) {
        text += data;
        return;
      }
      for (const c of data) {
        if (c === '\r' || c === '\n') return done();
        if (c === '\u0003') {
          input.setRawMode!(false);
          return reject(new Error('interrupted'));
        }
        if (c === '\u007f') text = text.slice(0, -1);
        else text += c;
      }
    };
    input.on('data', onData);
    if (!tty) input.once('end', done);
    input.once('error', reject);
    input.resume();
  });
}

/** Runs the subcommand; resolves to the exit code. */
export async function hashPasswordCommand(
  args: readonly string[],
  input: Input,
  output: NodeJS.WritableStream,
  errors: NodeJS.WritableStream,
): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    output.write(USAGE);
    return 0;
  }
  if (args.length > 0) {
    errors.write(
      `mixnmatch hash-password: it takes no arguments (a password on the command line would stay in the shell's history)\n${USAGE}`,
    );
    return 2;
  }
  let password: string;
  try {
    password = await readPassword(input, errors);
  } catch {
    return 130;
  }
  if (password === '') {
    errors.write(`mixnmatch hash-password: no password on stdin\n${USAGE}`);
    return 2;
  }
  output.write(`${await hashPassword(password)}\n`);
  return 0;
}
