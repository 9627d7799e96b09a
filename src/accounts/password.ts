// Password hashing with Node's scrypt: salted, the parameters recorded in the hash, compared in constant time.
import crypto from 'node:crypto';

/** scrypt's parameters, as Node names them. */
export interface ScryptParams {
  /** CPU/memory cost N, a power of two. */
  cost: number;
  /** Block size r. */
  blockSize: number;
  /** Parallelization p. */
  parallelization: number;
}

/** The parameters new hashes get: N = 2^15, r = 8, p = 1 (32 MiB, tens of milliseconds). */
export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({
  cost: 2 ** 15,
  blockSize: 8,
  parallelization: 1,
});

const SALT_BYTES = 16;
const KEY_BYTES = 32;

/**
 * `$scrypt$ln=15,r=8,p=1$SALT$HASH` (the PHC string format, base64 without
 * padding): the parameters travel with the hash, so they can be raised for
 * new hashes while old ones still verify.
 */
const FORMAT =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,})\$([A-Za-z0-9+/]{16,})$/;

/** Bounds on parameters read from a stored hash, so a hostile users file cannot exhaust the machine. */
const LIMITS = { ln: [1, 20], r: [1, 32], p: [1, 16] } as const;

/** The most memory one derivation may take: 128 × N × r bytes. */
export const MAX_SCRYPT_MEMORY = 64 * 1024 * 1024;
/**
 * The most work one derivation may take, as 128 × N × r × p bytes mixed:
 * eight times the defaults' (N = 2^15, r = 8, p = 1), a few hundred
 * milliseconds, so a stored hash cannot make each login cost seconds.
 */
export const MAX_SCRYPT_WORK = 256 * 1024 * 1024;

/**
 * The bcrypt costs a stored hash may have. bcrypt is checked in JavaScript
 * on the main thread (yielding every slice of work, but busy): cost 10
 * takes about 0.2 s a check, 12 about 0.75 s; the lockout bounds how many
 * checks a client gets.
 */
const MIN_BCRYPT_COST = 4;
const MAX_BCRYPT_COST = 12;

/** The unsalted digests the original's users files may hold, by their mark, with their length in hex. */
const DIGESTS = { md5: 32, sha1: 40, sha256: 64, sha512: 128 } as const;

/** A hash of the original's kinds, verified but never made: bcrypt, or an unsalted hex digest marked with its algorithm. */
type LegacyHash = { kind: 'bcrypt'; cost: number } | { kind: keyof typeof DIGESTS; digest: Buffer };

/** Reads a hash of the original's kinds (`$2b$10$…`, `sha256:5e88…`), or `undefined`. */
export function legacyHash(hash: string): LegacyHash | undefined {
  const bcrypt = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/.exec(hash);
  if (bcrypt) return { kind: 'bcrypt', cost: Number(bcrypt[1]) };
  const digest = /^(md5|sha1|sha256|sha512):([0-9a-f]+)$/i.exec(hash);
  if (!digest) return undefined;
  const kind = digest[1]!.toLowerCase() as keyof typeof DIGESTS;
  if (digest[2]!.length !== DIGESTS[kind]) return undefined;
  return { kind, digest: Buffer.from(digest[2]!, 'hex') };
}

/** Checks a password against a hash of the original's kinds, in constant time for the digests (bcrypt compares its own way). */
async function verifyLegacy(password: string, legacy: LegacyHash, hash: string): Promise<boolean> {
  if (legacy.kind === 'bcrypt') {
    // Loaded only when a users file holds one: pure JavaScript, yielding as it works.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bcrypt = require('bcryptjs') as typeof import('bcryptjs');
    // bcryptjs reads only $2a$ and $2b$; $2y$ (PHP's) is the same algorithm.
    return bcrypt.compare(password, hash.replace(/^\$2y\$/, '$2b$'));
  }
  // As long as a scrypt check: a wrong password takes the time an unknown user's does.
  await derive(password, crypto.randomBytes(SALT_BYTES), KEY_BYTES, DEFAULT_SCRYPT);
  const made = crypto.createHash(legacy.kind).update(password, 'utf8').digest();
  return crypto.timingSafeEqual(made, legacy.digest);
}

/** A parsed hash. */
export interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

function b64(buffer: Buffer): string {
  return buffer.toString('base64').replace(/=+$/, '');
}

/**
 * Checks scrypt parameters: N a power of two up to 2^20 and below 2^(16 × r)
 * (scrypt's own rule), r up to 32, p up to 16, 128 × N × r bytes (the
 * memory one check takes) at most 64 MiB, and 128 × N × r × p (its work) at
 * most 256 MiB. Returns what is wrong, or `undefined`.
 */
export function checkScryptParams(params: ScryptParams): string | undefined {
  const ln = Math.log2(params.cost);
  if (!Number.isInteger(ln) || ln < LIMITS.ln[0] || ln > LIMITS.ln[1])
    return `cost must be a power of two from 2 to 2^${LIMITS.ln[1]}`;
  if (
    !Number.isInteger(params.blockSize) ||
    params.blockSize < LIMITS.r[0] ||
    params.blockSize > LIMITS.r[1]
  ) {
    return `blockSize must be an integer from ${LIMITS.r[0]} to ${LIMITS.r[1]}`;
  }
  if (
    !Number.isInteger(params.parallelization) ||
    params.parallelization < LIMITS.p[0] ||
    params.parallelization > LIMITS.p[1]
  ) {
    return `parallelization must be an integer from ${LIMITS.p[0]} to ${LIMITS.p[1]}`;
  }
  if (ln >= 16 * params.blockSize) {
    return `cost must be below 2^(16 × blockSize), scrypt's own rule (2^${ln} with blockSize ${params.blockSize})`;
  }
  const MiB = 1024 * 1024;
  const memory = 128 * params.cost * params.blockSize;
  if (memory > MAX_SCRYPT_MEMORY) {
    return `cost × blockSize × 128 is the memory one check takes: ${memory / MiB} MiB here, at most ${MAX_SCRYPT_MEMORY / MiB} MiB`;
  }
  const work = memory * params.parallelization;
  if (work > MAX_SCRYPT_WORK) {
    return `cost × blockSize × parallelization × 128 is the work one check takes: ${work / MiB} MiB here, at most ${MAX_SCRYPT_WORK / MiB} MiB`;
  }
  return undefined;
}

/**
 * Why a string is not a hash this module can check, or `undefined` when it
 * is one: not the `$scrypt$…` form, or parameters past the bounds of
 * {@link checkScryptParams} (which would cost minutes and GiBs per login).
 */
export function hashProblem(hash: string): string | undefined {
  const legacy = legacyHash(hash);
  if (legacy) {
    if (legacy.kind !== 'bcrypt') return undefined;
    if (legacy.cost < MIN_BCRYPT_COST) {
      return `is a bcrypt hash of cost ${legacy.cost}: bcrypt's costs start at ${MIN_BCRYPT_COST}`;
    }
    return legacy.cost > MAX_BCRYPT_COST
      ? `is a bcrypt hash of cost ${legacy.cost}: more than ${MAX_BCRYPT_COST} would make each login cost seconds of the server's time`
      : undefined;
  }
  const match = FORMAT.exec(hash);
  if (!match) {
    return 'is not a hash made by hashPassword() or `mixnmatch hash-password` ($scrypt$ln=…,r=…,p=…$salt$hash), nor one the original wrote (bcrypt $2b$…, or md5:, sha1:, sha256:, sha512: and the hex digest)';
  }
  const problem = checkScryptParams(paramsOf(match));
  return (
    problem &&
    `has scrypt parameters (ln=${match[1]},r=${match[2]},p=${match[3]}) that are refused: ${problem}`
  );
}

function paramsOf(match: RegExpExecArray): ScryptParams {
  return {
    cost: 2 ** Number(match[1]),
    blockSize: Number(match[2]),
    parallelization: Number(match[3]),
  };
}

/** Reads a hash string; `undefined` when it is not one this module makes. */
export function parseHash(hash: string): ParsedHash | undefined {
  const match = FORMAT.exec(hash);
  if (!match) return undefined;
  const params = paramsOf(match);
  if (checkScryptParams(params) !== undefined) return undefined;
  return { params, salt: Buffer.from(match[4]!, 'base64'), key: Buffer.from(match[5]!, 'base64') };
}

function options(params: ScryptParams): crypto.ScryptOptions {
  const { cost: N, blockSize: r, parallelization: p } = params;
  // Node refuses when 128 × N × r passes maxmem; leave room above it.
  return { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
}

function format(params: ScryptParams, salt: Buffer, key: Buffer): string {
  return `$scrypt$ln=${Math.log2(params.cost)},r=${params.blockSize},p=${params.parallelization}$${b64(salt)}$${b64(key)}`;
}

function derive(
  password: string,
  salt: Buffer,
  length: number,
  params: ScryptParams,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Through the module object, so a test can observe that the work is done.
    crypto.scrypt(password.normalize('NFC'), salt, length, options(params), (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(
  password: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  return format(params, salt, await derive(password, salt, KEY_BYTES, params));
}

/** Hashes a password synchronously (for loading users at start-up). */
export function hashPasswordSync(password: string, params: ScryptParams = DEFAULT_SCRYPT): string {
  const salt = crypto.randomBytes(SALT_BYTES);
  return format(
    params,
    salt,
    crypto.scryptSync(password.normalize('NFC'), salt, KEY_BYTES, options(params)),
  );
}

/**
 * Whether `password` matches `hash`, computed with the hash's own
 * parameters and compared in constant time. A malformed hash never matches
 * (and still costs a derivation, so it cannot be told apart by time).
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const legacy = legacyHash(hash);
  if (legacy && hashProblem(hash) === undefined) return verifyLegacy(password, legacy, hash);
  const parsed = parseHash(hash);
  const target = parsed ?? {
    params: DEFAULT_SCRYPT,
    salt: crypto.randomBytes(SALT_BYTES),
    key: crypto.randomBytes(KEY_BYTES),
  };
  const key = await derive(password, target.salt, target.key.length, target.params);
  return crypto.timingSafeEqual(key, target.key) && parsed !== undefined;
}

/** Whether a hash was made with other parameters than `params` (so it should be replaced on the next login). */
export function needsRehash(hash: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const parsed = parseHash(hash);
  return (
    parsed === undefined ||
    parsed.params.cost !== params.cost ||
    parsed.params.blockSize !== params.blockSize ||
    parsed.params.parallelization !== params.parallelization
  );
}
