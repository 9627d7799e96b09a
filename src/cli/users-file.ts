// A users file: the project's JSON list, or the original's `username:password[:role,role]` lines; and `mixnmatch add-user`.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { writeFileWhole } from './write-file';
import { hashPassword, ROLE, USERNAME, type UserEntry } from '../accounts';
import { readPassword, type Input } from './hash-password';

/** Why a users file cannot be read; the message names the line. */
export class UsersFileError extends Error {}

/** The unsalted digests the original wrote, which hold a `:` of their own. */
const DIGEST = /^((?:md5|sha1|sha256|sha512):[0-9a-f]+)(?::|$)/i;
/** An algorithm's name, as a mistyped digest line starts. */
const ALGORITHM = /^(md5|sha-?1|sha-?256|sha-?512)$/i;

/** Whether a users file's text is the original's line format (anything that does not start as JSON does). */
function isLineFormat(text: string): boolean {
  return !/^\uFEFF?\s*[[{]/.test(text);
}

/**
 * Reads a users file's text: a JSON list of `{ username, password |
 * passwordHash, roles }`, or the original's lines, `username:password` with
 * `:role,role` after it if any, `#` starting a comment line. In a line, a
 * password that is a hash (`$scrypt$…`, `$2b$…`, `sha256:HEX`) is taken as
 * one; any other is a plain password, which ends at the next `:`.
 */
export function parseUsersText(text: string): UserEntry[] {
  if (!isLineFormat(text)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (err) {
      throw new UsersFileError((err as Error).message);
    }
    if (
      !Array.isArray(parsed) ||
      !parsed.every((u) => u !== null && typeof u === 'object' && !Array.isArray(u))
    ) {
      throw new UsersFileError(
        'must hold a JSON list of { "username", "password" or "passwordHash", "roles" }, or lines of username:password[:role,role]',
      );
    }
    return parsed as UserEntry[];
  }
  const users: UserEntry[] = [];
  for (const [i, raw] of text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0 || colon === line.length - 1) {
      throw new UsersFileError(`line ${i + 1}: expected username:password[:role,role]`);
    }
    const username = line.slice(0, colon);
    const rest = line.slice(colon + 1);
    const digest = DIGEST.exec(rest)?.[1];
    const end = digest !== undefined ? digest.length : rest.indexOf(':');
    const secret = end === -1 ? rest : rest.slice(0, end);
    const roles = end === -1 || end >= rest.length ? '' : rest.slice(end + 1);
    // `sha256` then a `:` that is not a hex digest is a mistyped hash, never a password "sha256".
    if (digest === undefined && ALGORITHM.test(secret) && end !== -1) {
      throw new UsersFileError(
        `line ${i + 1}: "${secret}:" starts a digest that is not one (md5:, sha1:, sha256: or sha512: and hex digits)`,
      );
    }
    const hashed = digest !== undefined || secret.startsWith('$');
    const list = roles
      .split(',')
      .map((role) => role.trim())
      .filter((role) => role !== '');
    const bad = list.find((role) => !ROLE.test(role));
    if (bad !== undefined) {
      throw new UsersFileError(
        `line ${i + 1}: "${bad.slice(0, 40)}" is not a role name (1–64 letters, digits and . _ @ + -)`,
      );
    }
    users.push({
      username,
      ...(hashed ? { passwordHash: secret } : { password: secret }),
      roles: list,
    });
  }
  return users;
}

/** Reads a users file (either format). */
export function readUsersFile(file: string): UserEntry[] {
  return parseUsersText(readFileSync(file, 'utf8'));
}

const USAGE = `Usage: mixnmatch add-user FILE USERNAME [--roles a,b] [--random]
Adds a user to a users file (a JSON list, or the original's lines; made
as a JSON list when FILE is not there), with the scrypt hash of a password
read from stdin (typed without echo on a terminal), or of a random one
(--random) printed once on stdout.
`;

/** `mixnmatch add-user FILE USERNAME [--roles a,b] [--random]`: resolves to the exit code. */
export async function addUserCommand(
  args: readonly string[],
  input: Input,
  output: NodeJS.WritableStream,
  errors: NodeJS.WritableStream,
): Promise<number> {
  const usage = (problem: string) => {
    errors.write(`mixnmatch add-user: ${problem}\n${USAGE}`);
    return 2;
  };
  const positional: string[] = [];
  let roles: string[] = [];
  let random = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-h' || arg === '--help') {
      output.write(USAGE);
      return 0;
    }
    if (arg === '--random') random = true;
    else if (arg === '--roles' || arg.startsWith('--roles=')) {
      const value = arg === '--roles' ? args[++i] : arg.slice('--roles='.length);
      if (value === undefined) return usage('--roles needs a list: --roles a,b');
      roles = value
        .split(',')
        .map((role) => role.trim())
        .filter((role) => role !== '');
      if (!roles.every((role) => ROLE.test(role))) {
        return usage('a role name is 1–64 letters, digits and . _ @ + -');
      }
    } else if (arg.startsWith('-')) return usage(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length !== 2) return usage('give the users file and the user name');
  const [file, username] = positional as [string, string];
  if (!USERNAME.test(username)) {
    return usage('a user name is 1–64 letters, digits and . _ @ + -');
  }
  // One add-user at a time on a file: two at once would each write the file without the other's user.
  const lock = `${file}.lock`;
  let held: number;
  try {
    held = openSync(lock, 'wx', 0o600);
  } catch (err) {
    errors.write(
      (err as NodeJS.ErrnoException).code === 'EEXIST'
        ? `mixnmatch add-user: another add-user is changing ${file} (${lock} is there; remove it if none is)\n`
        : `mixnmatch add-user: cannot write beside ${file}: ${(err as Error).message}\n`,
    );
    return 1;
  }
  try {
    return await addLocked();
  } finally {
    closeSync(held);
    unlinkSync(lock);
  }

  async function addLocked(): Promise<number> {
    let text = '';
    if (existsSync(file)) {
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        errors.write(`mixnmatch add-user: cannot read ${file}: ${(err as Error).message}\n`);
        return 1;
      }
    }
    let users: UserEntry[];
    try {
      users = text.trim() === '' ? [] : parseUsersText(text);
    } catch (err) {
      errors.write(`mixnmatch add-user: ${file}: ${(err as Error).message}\n`);
      return 1;
    }
    if (users.some((user) => user.username === username)) {
      errors.write(`mixnmatch add-user: ${file} has a user "${username}" already\n`);
      return 1;
    }
    let password: string;
    if (random) {
      password = randomBytes(18).toString('base64url');
    } else {
      try {
        password = await readPassword(input, errors);
      } catch {
        return 130;
      }
      if (password === '')
        return usage('no password on stdin (or give --random for one made here)');
    }
    const passwordHash = await hashPassword(password);
    const line = isLineFormat(text) && text.trim() !== '';
    const next = line
      ? `${text}${text.endsWith('\n') ? '' : '\n'}${username}:${passwordHash}${roles.length > 0 ? `:${roles.join(',')}` : ''}\n`
      : `${JSON.stringify(
          [...users, { username, passwordHash, ...(roles.length > 0 ? { roles } : {}) }],
          null,
          2,
        )}\n`;
    try {
      // Written whole, then put in place: a reader never sees half a file.
      writeFileWhole(file, next, existsSync(file) ? statSync(file).mode & 0o777 : 0o600);
    } catch (err) {
      errors.write(`mixnmatch add-user: cannot write ${file}: ${(err as Error).message}\n`);
      return 1;
    }
    if (random) output.write(`${password}\n`);
    errors.write(`mixnmatch add-user: added "${username}" to ${file}\n`);
    return 0;
  }
}
