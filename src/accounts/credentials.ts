// Credential mode of auth(): reading username/password fields, verifying them, and the lockout against guessing.
import crypto from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { Request, Response } from 'express';
import { bodyKind, bodyReader } from '../http/body';
import { HttpError } from '../shared/errors';
import { formFields, percentDecode } from '../http/form';
import type { LockoutStore, UserRecord, UserStore } from '../types';
import { MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH, USERNAME } from './options';
import {
  hashPassword,
  hashPasswordSync,
  needsRehash,
  verifyPassword,
  type ScryptParams,
} from './password';

/** Bodies of credential requests are small; anything larger is not a login. */
const BODY_LIMIT = 16 * 1024;
const read = bodyReader(BODY_LIMIT, `The request body is larger than ${BODY_LIMIT} bytes.`);

const ACCEPTED = 'Send the fields as application/x-www-form-urlencoded or as a JSON object.';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The fields of a form, each value percent-decoded and then read as strict UTF-8 (400 otherwise). */
function formValues(body: Uint8Array): Record<string, unknown> {
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [name, encoded] of formFields(body)) {
    const bytes = percentDecode(encoded);
    if (!bytes) throw new HttpError(400, 'Cannot decode the form: malformed percent-encoding.');
    try {
      fields[name] = UTF8.decode(bytes);
    } catch {
      throw new HttpError(400, 'Cannot decode the form: a value is not UTF-8.');
    }
  }
  return fields;
}

/** The fields of a form or JSON body (or of a body an earlier parser already read). */
async function bodyFields(req: Request, res: Response): Promise<Record<string, unknown>> {
  const kind = bodyKind(req.headers['content-type']);
  if (kind === 'other')
    throw new HttpError(
      415,
      `Unsupported Content-Type: ${req.headers['content-type']}. ${ACCEPTED}`,
    );
  const body = await read(req, res);
  if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body))
    return body as Record<string, unknown>;
  const bytes = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === 'string' ? body : '', 'utf8');
  if (bytes.length === 0) return {};
  if (kind === 'none') throw new HttpError(415, `A body needs a Content-Type. ${ACCEPTED}`);
  if (kind === 'form') return formValues(bytes);
  const text = bytes.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Cannot decode JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HttpError(400, 'The JSON body must be an object of fields.');
  }
  return parsed as Record<string, unknown>;
}

/**
 * Reads the named fields from a form or JSON body: each must be present as
 * a non-empty string (else 400 naming it), a username no longer than
 * {@link MAX_USERNAME_LENGTH} and passwords no longer than
 * {@link MAX_PASSWORD_LENGTH}.
 */
export async function readCredentials<K extends string>(
  req: Request,
  res: Response,
  names: readonly K[],
): Promise<Record<K, string>> {
  return credentialsOf(await bodyFields(req, res), names);
}

/** The most roles one registration may ask for. */
const MAX_ROLES = 32;
/** A role name a registration (or `mixnmatch add-user`) may give: what a rule or users file can name. */
export const ROLE = /^[\w.@+-]{1,64}$/;

/**
 * Reads a registration: `username` and `password` as {@link readCredentials}
 * does, and the `roles` it asks for, if any: a JSON array of names, or a
 * comma-separated list (a form field); 400 for anything else.
 */
export async function readRegistration(
  req: Request,
  res: Response,
): Promise<{ username: string; password: string; roles: string[] }> {
  const fields = await bodyFields(req, res);
  const { username, password } = credentialsOf(fields, ['username', 'password']);
  const given = Object.prototype.hasOwnProperty.call(fields, 'roles') ? fields.roles : undefined;
  let roles: unknown[];
  if (given === undefined || given === '') roles = [];
  else if (typeof given === 'string') roles = given.split(',').map((role) => role.trim());
  else if (Array.isArray(given)) roles = given;
  else throw new HttpError(400, '"roles" must be a list of role names (JSON) or "a,b" (form).');
  if (roles.length > MAX_ROLES) {
    throw new HttpError(400, `A registration asks for at most ${MAX_ROLES} roles.`);
  }
  for (const role of roles) {
    if (typeof role !== 'string' || !ROLE.test(role)) {
      throw new HttpError(
        400,
        'A role name is 1–64 characters: letters, digits and . _ @ + - (roles: "a,b").',
      );
    }
  }
  return { username, password, roles: [...new Set(roles as string[])] };
}

/** The named fields of a body, as {@link readCredentials} reads them. */
function credentialsOf<K extends string>(
  fields: Record<string, unknown>,
  names: readonly K[],
): Record<K, string> {
  const values = {} as Record<K, string>;
  const missing = names.filter((name) => {
    const value = Object.prototype.hasOwnProperty.call(fields, name) ? fields[name] : undefined;
    if (typeof value !== 'string' || value === '') return true;
    values[name] = value;
    return false;
  });
  if (missing.length > 0) {
    throw new HttpError(
      400,
      `Missing ${missing.map((name) => `"${name}"`).join(' and ')}: send ${names.join(', ')} as non-empty strings.`,
    );
  }
  // One form of each password (NFC), before the policy counts it and before
  // it is hashed or checked: `é` typed composed or not is one character.
  for (const name of names) {
    if (name.includes('password'))
      values[name] = values[name].normalize('NFC') as Record<K, string>[K];
  }
  // Before any lookup or lockout key: a name no user can have costs nothing to refuse.
  for (const name of names) {
    const max = name === 'username' ? MAX_USERNAME_LENGTH : MAX_PASSWORD_LENGTH;
    if ((name === 'username' || name.includes('password')) && values[name].length > max) {
      throw new HttpError(400, `"${name}" is longer than ${max} characters.`);
    }
  }
  return values;
}

/** The kinds of characters a password policy counts. */
const CLASSES: readonly [string, RegExp][] = [
  ['lower case', /\p{Ll}/u],
  ['upper case', /\p{Lu}/u],
  ['digits', /\p{Nd}/u],
  ['others', /[^\p{Ll}\p{Lu}\p{Nd}]/u],
];

/**
 * Checks a new username and password against the rules; a 400 naming the
 * rule that failed: the username's form, the password's length, or the
 * kinds of characters it mixes.
 */
export function checkNewCredentials(
  username: string | undefined,
  password: string,
  policy: { minLength: number; classes: number },
): void {
  if (username !== undefined && !USERNAME.test(username)) {
    throw new HttpError(400, 'A username is 1–64 characters: letters, digits and . _ @ + -.');
  }
  if ([...password].length < policy.minLength) {
    throw new HttpError(400, `A password needs at least ${policy.minLength} characters.`);
  }
  const kinds = CLASSES.filter(([, test]) => test.test(password)).length;
  if (kinds < policy.classes) {
    throw new HttpError(
      400,
      `A password needs characters of at least ${policy.classes} kinds of ${CLASSES.map(([name]) => name).join(', ')} (this one has ${kinds}).`,
    );
  }
}

/** Verifies a username and password for a request (under the lockout); resolves to the user or rejects with 401/429/503. */
export type Authenticate = (
  req: Request,
  username: string,
  password: string,
) => Promise<UserRecord>;

/** The password work the credential endpoints do, each part bounded. */
export interface PasswordWork {
  readonly authenticate: Authenticate;
  /** Hashes a new password (503 when too much hashing waits already). */
  readonly hash: (password: string) => Promise<string>;
  /** Counts a registration or password change from the request's address (429 past the limit). */
  readonly countAccountChange: (req: Request) => Promise<void>;
}

/**
 * Runs password work (scrypt, which takes Node's thread pool, where files
 * are read too) a few at a time, with a bounded queue behind: past it, a
 * request gets 503 with `Retry-After` at once instead of waiting behind a
 * flood, and static files and sessions keep their speed.
 */
export class HashQueue {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly size: number,
  ) {}

  /** Runs `work` when a slot is free (now, or after those queued before it); 503 when the queue is full. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running < this.concurrency) this.#running++;
    else if (this.#waiting.length < this.size) {
      // The slot is handed over by the work that ends (see below).
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      throw new HttpError(503, 'The server is busy checking passwords; try again in a second.', {
        headers: { 'Retry-After': '1' },
      });
    }
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}

/** Verifies usernames and passwords, at the same cost whether or not the user exists. */
export class Verifier {
  /** A hash of nothing anyone knows, checked against when the user does not exist. */
  private readonly decoy: string;

  constructor(
    private readonly users: UserStore,
    private readonly scrypt: ScryptParams,
    private readonly queue: HashQueue,
  ) {
    this.decoy = hashPasswordSync(crypto.randomUUID(), scrypt);
  }

  /** Hashes a new password with the current parameters, in the queue. */
  hash(password: string): Promise<string> {
    return this.queue.run(() => hashPassword(password, this.scrypt));
  }

  /** The user when the password is theirs, else `undefined`; an old hash is upgraded to the current parameters. */
  async verify(username: string, password: string): Promise<UserRecord | undefined> {
    const user = await this.users.get(username);
    const hash = user?.passwordHash ?? this.decoy;
    const ok = await this.queue.run(() => verifyPassword(password, hash));
    if (!ok || !user) return undefined;
    if (needsRehash(user.passwordHash, this.scrypt)) {
      // Only if the hash is still the one just checked: a password change in
      // the meantime must not be undone by this upgrade.
      const passwordHash = await this.hash(password);
      if (
        await this.users.update(
          user.username,
          { passwordHash },
          { passwordHash: user.passwordHash },
        )
      ) {
        return { ...user, passwordHash };
      }
    }
    return user;
  }
}

/**
 * The key a client address is counted under: an IPv4 address as it is (an
 * IPv4-mapped IPv6 one too), an IPv6 address by its /64 network (a host
 * gets a whole /64, so one host could otherwise count as billions of
 * clients): `2001:db8:1:2::5` → `2001:0db8:0001:0002::/64`.
 */
export function addressKey(address: string): string {
  let ip = address.toLowerCase();
  const zone = ip.indexOf('%');
  if (zone !== -1) ip = ip.slice(0, zone);
  if (!isIPv6(ip)) return address;
  if (ip.startsWith('::ffff:') && isIPv4(ip.slice(7))) return ip.slice(7);
  const [head = '', tail] = ip.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  // A dotted IPv4 ending stands for two groups.
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const groups =
    tail === undefined
      ? headGroups
      : [
          ...headGroups,
          ...Array<string>(8 - width(headGroups) - width(tailGroups)).fill('0'),
          ...tailGroups,
        ];
  return `${groups
    .slice(0, 4)
    .map((group) => group.padStart(4, '0'))
    .join(':')}::/64`;
}

/** The 429 for an attempt past a limit, until `resetAt`. */
function tooMany(resetAt: number, what = 'failed attempts'): HttpError {
  const seconds = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
  return new HttpError(429, `Too many ${what}; try again in ${seconds} seconds.`, {
    headers: { 'Retry-After': String(seconds) },
  });
}

/**
 * Counts login attempts per username and per client address before their
 * passwords are checked (consume, then verify), and refuses an attempt past
 * either limit with 429: however many guesses arrive at once, at most the
 * limit of them is ever verified.
 */
export class Lockout {
  constructor(
    private readonly store: LockoutStore,
    private readonly attempts: number,
    private readonly addressAttempts: number,
    private readonly window: number,
    private readonly accountAttempts: number,
  ) {}

  /**
   * Counts a registration or password change from `address`, before its
   * password is hashed; throws 429 with `Retry-After` past the limit. Each
   * costs a hash, so each counts, whether it succeeds or not.
   */
  async consumeAccountChange(address: string): Promise<void> {
    const count = await this.store.consume(`account:${address}`, this.window);
    if (count.count > this.accountAttempts) {
      throw tooMany(count.resetAt, 'registrations and password changes from this address');
    }
  }

  /**
   * Counts an attempt; throws 429 with `Retry-After` when it is past a
   * limit. The address is counted first: an address past its limit gets
   * 429 without its username being counted at all, so a flood of random
   * usernames from one address cannot fill the store.
   */
  async consume(username: string, address: string): Promise<void> {
    const addr = await this.store.consume(`addr:${address}`, this.window);
    if (addr.count > this.addressAttempts) throw tooMany(addr.resetAt);
    const user = await this.store.consume(`user:${username}`, this.window);
    if (user.count > this.attempts) throw tooMany(user.resetAt);
  }

  /** A login succeeded: the user's count starts again, and the address gets its attempt back. */
  async succeed(username: string, address: string): Promise<void> {
    await Promise.all([
      this.store.reset(`user:${username}`),
      this.store.decrement(`addr:${address}`),
    ]);
  }
}
