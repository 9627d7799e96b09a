// Token mode of auth(): the signing key and its pinned algorithm, access tokens (JWTs, with jose), refresh tokens, the JWKS.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  KeyObject,
  randomBytes,
  randomUUID,
} from 'node:crypto';
import type { JWK } from 'jose';

/** jose, loaded at the first token signed or checked: an app without token mode never loads it. */
let loaded: typeof import('jose') | undefined;
function jose(): typeof import('jose') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('jose') as typeof import('jose');
  return loaded;
}
import { ConfigError } from '../shared/errors';

/** The algorithms token mode signs with, each pinned to its kind of key. */
export type TokenAlgorithm = 'HS256' | 'ES256' | 'RS256' | 'EdDSA';

/** The key tokens are signed and verified with, and everything that follows from it. */
export interface TokenKey {
  /** The one algorithm tokens are signed and accepted with. */
  readonly algorithm: TokenAlgorithm;
  readonly signingKey: KeyObject;
  /** The key tokens are verified with: the public key, or the secret itself for HMAC. */
  readonly verifyingKey: KeyObject;
  /** The `kid` header of every token: the JWK thumbprint of the public key, or a digest of the secret. */
  readonly kid: string;
  /** The public key as a JWK for the JWKS endpoint; `undefined` for an HMAC secret, which is never published. */
  readonly publicJwk: JWK | undefined;
}

/** The shortest HMAC secret taken: 256 bits, as HS256 needs. */
export const MIN_SECRET_BYTES = 32;
/** The smallest RSA key taken. */
const MIN_RSA_BITS = 2048;

const EXAMPLE = "auth({ users, tokens: { key: fs.readFileSync('jwt-key.pem', 'utf8') } })";

function fail(problem: string): never {
  throw new ConfigError('auth', `"tokens.key" ${problem}`, EXAMPLE, 'tokens.key');
}

/** The key object of a `tokens.key` option: a PEM private key, a secret, or a `KeyObject`. */
function keyObject(key: unknown): KeyObject {
  if (key instanceof KeyObject) return key;
  if (typeof key !== 'string' && !Buffer.isBuffer(key)) {
    fail(
      'must be an HMAC secret (a string or Buffer of 32 bytes or more), a PEM private key, or a KeyObject.',
    );
  }
  const bytes = Buffer.isBuffer(key) ? key : Buffer.from(key, 'utf8');
  if (bytes.includes('-----BEGIN')) {
    try {
      return createPrivateKey(bytes);
    } catch (err) {
      fail(
        `is PEM that is not a private key Node can read (${(err as Error).message}); a public key cannot sign.`,
      );
    }
  }
  if (bytes.length < MIN_SECRET_BYTES) {
    fail(
      `is a secret of ${bytes.length} bytes: HS256 needs ${MIN_SECRET_BYTES} or more (crypto.randomBytes(32)).`,
    );
  }
  return createSecretKey(bytes);
}

/**
 * Reads the signing key of token mode and pins its algorithm: an HMAC secret
 * (32 bytes or more) signs HS256, an EC P-256 private key ES256, an RSA
 * private key of 2048 bits or more RS256, an Ed25519 private key EdDSA.
 * Anything else (a public key, a short secret, another curve, a small RSA
 * key) is a `ConfigError`. Tokens are then verified with that algorithm and
 * that key only.
 */
export function loadTokenKey(key: unknown): TokenKey {
  // Token mode is on: jose is loaded now, not in the first request's time.
  jose();
  const signingKey = keyObject(key);
  if (signingKey.type === 'secret') {
    const secret = signingKey.export();
    return {
      algorithm: 'HS256',
      signingKey,
      verifyingKey: signingKey,
      // A digest: the key id names the key without giving anything of it away.
      kid: createHash('sha256')
        .update('mixnmatch kid\0')
        .update(secret)
        .digest('base64url')
        .slice(0, 22),
      publicJwk: undefined,
    };
  }
  if (signingKey.type !== 'private')
    fail('is a public key: token mode signs, so it needs the private key.');
  let algorithm: TokenAlgorithm;
  const details = signingKey.asymmetricKeyDetails ?? {};
  switch (signingKey.asymmetricKeyType) {
    case 'ec':
      if (details.namedCurve !== 'prime256v1') {
        fail(
          `is an EC key on ${details.namedCurve ?? 'an unknown curve'}: ES256 needs P-256 (prime256v1).`,
        );
      }
      algorithm = 'ES256';
      break;
    case 'rsa':
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
        fail(
          `is an RSA key of ${details.modulusLength} bits: RS256 here needs ${MIN_RSA_BITS} or more.`,
        );
      }
      algorithm = 'RS256';
      break;
    case 'ed25519':
      algorithm = 'EdDSA';
      break;
    default:
      fail(
        `is a ${signingKey.asymmetricKeyType} key: use an HMAC secret, EC P-256, RSA (2048+) or Ed25519.`,
      );
  }
  const verifyingKey = createPublicKey(signingKey);
  const jwk = verifyingKey.export({ format: 'jwk' }) as JWK;
  const kid = jwkThumbprint(jwk);
  return {
    algorithm,
    signingKey,
    verifyingKey,
    kid,
    publicJwk: { ...jwk, kid, alg: algorithm, use: 'sig' },
  };
}

/** The members RFC 7638 hashes for each kind of public key, in order. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/** The RFC 7638 thumbprint of a public JWK (SHA-256, base64url): its key id. */
function jwkThumbprint(jwk: JWK): string {
  const members = THUMBPRINT_MEMBERS[jwk.kty ?? ''] ?? [];
  const canonical = `{${members.map((m) => `"${m}":"${String((jwk as Record<string, unknown>)[m])}"`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}

/** What an access token says. */
export interface AccessClaims {
  /** The user (`sub`). */
  username: string;
  roles: string[];
}

/** The claims of a token that verified, with its id and times (milliseconds). */
export interface VerifiedClaims extends AccessClaims {
  id: string;
  issuedAt: number;
  expiresAt: number;
}

/** How tokens are made and checked. */
export interface TokenSettings {
  readonly key: TokenKey;
  /** Access-token lifetime, in seconds. */
  readonly accessTtl: number;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
}

/**
 * Signs an access token: `sub`, `roles`, `iat`, `nbf`, `exp`, `jti` (and
 * `iss`/`aud` when set), with the `kid` and `typ` headers.
 */
export async function signAccessToken(
  settings: TokenSettings,
  claims: AccessClaims,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new (jose().SignJWT)({ roles: claims.roles })
    .setProtectedHeader({ alg: settings.key.algorithm, kid: settings.key.kid, typ: 'JWT' })
    .setSubject(claims.username)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + settings.accessTtl)
    .setJti(randomUUID());
  if (settings.issuer !== undefined) jwt.setIssuer(settings.issuer);
  if (settings.audience !== undefined) jwt.setAudience(settings.audience);
  return jwt.sign(settings.key.signingKey);
}

/**
 * Verifies an access token with the pinned algorithm and key only — no
 * `alg: none`, no other algorithm, no key named by a `kid`, `jku` or `jwk`
 * header — and its `exp`, `nbf`, and `iss`/`aud` when set. Resolves to its
 * claims, or to why it is refused.
 */
export async function verifyAccessToken(
  settings: TokenSettings,
  token: string,
): Promise<VerifiedClaims | { refused: string }> {
  try {
    const { payload } = await jose().jwtVerify(token, settings.key.verifyingKey, {
      algorithms: [settings.key.algorithm],
      requiredClaims: ['sub', 'exp', 'iat'],
      ...(settings.issuer !== undefined ? { issuer: settings.issuer } : {}),
      ...(settings.audience !== undefined ? { audience: settings.audience } : {}),
    });
    const roles = payload.roles ?? [];
    if (
      typeof payload.sub !== 'string' ||
      !Array.isArray(roles) ||
      !roles.every((role) => typeof role === 'string')
    ) {
      return { refused: 'The token does not name a user and roles.' };
    }
    return {
      username: payload.sub,
      roles: roles as string[],
      id: typeof payload.jti === 'string' ? payload.jti : '',
      issuedAt: (payload.iat ?? 0) * 1000,
      expiresAt: (payload.exp ?? 0) * 1000,
    };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return {
      refused:
        code === 'ERR_JWT_EXPIRED'
          ? 'The access token has expired.'
          : code === 'ERR_JWT_CLAIM_VALIDATION_FAILED'
            ? `The access token's claims are not accepted (${(err as Error).message}).`
            : 'The access token is not valid.',
    };
  }
}

/** A new refresh token: 256 random bits, base64url. Only its digest is ever stored. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The digest a refresh token is stored and looked up by (SHA-256, base64url). */
export function refreshTokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A refresh token as sent: 43 base64url characters. */
export const REFRESH_TOKEN = /^[A-Za-z0-9_-]{43}$/;
