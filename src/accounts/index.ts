// Accounts: POST /login with a username and password, /changepwd and /register, for whichever way requests are identified.
import type { Request } from 'express';
import { HttpError } from '../shared/errors';
import type { Endpoints, Identification, SignIn } from '../access';
import type { Session } from '../types';
import {
  addressKey,
  checkNewCredentials,
  HashQueue,
  Lockout,
  readCredentials,
  readRegistration,
  Verifier,
  type Authenticate,
  type PasswordWork,
} from './credentials';
import type { Accounts } from './options';

export { MemoryLockoutStore, MemoryUserStore } from './memory-store';
export type { MemoryLockoutStoreOptions } from './memory-store';
export { DEFAULT_SCRYPT, hashPassword, verifyPassword, needsRehash } from './password';
export { readCredentials, ROLE } from './credentials';
export { RedisLockoutStore, RedisUserStore } from './redis-store';
export type { FileUserState } from './redis-store';
export type { ScryptParams } from './password';
export { ORIGINAL_PASSWORD_POLICY, parseAccountOptions, userRecords, USERNAME } from './options';
export type {
  AccountOptions,
  Accounts,
  HashingOptions,
  LockoutOptions,
  PasswordPolicy,
  RegisterPredicate,
  UserEntry,
} from './options';

/** The client's address for the lockout (Express's `req.ip` follows `trust proxy`), an IPv6 one by its /64. */
function addressOf(req: Request): string {
  return addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

/**
 * The password work of credential mode, bounded: verifying a username and
 * password under the lockout (429 past its limits, 401 when wrong),
 * hashing a new password, and counting a registration or password change
 * per client address; all scrypt runs through one {@link HashQueue}.
 */
function passwordWork(accounts: Accounts): PasswordWork {
  const queue = new HashQueue(accounts.hashing.concurrency, accounts.hashing.queue);
  const verifier = new Verifier(accounts.users, accounts.scrypt, queue);
  const lockout = accounts.lockout
    ? new Lockout(
        accounts.lockout.store,
        accounts.lockout.attempts,
        accounts.lockout.addressAttempts,
        accounts.lockout.window,
        accounts.lockout.accountAttempts,
      )
    : undefined;
  const authenticate: Authenticate = async (req, username, password) => {
    const address = addressOf(req);
    // Counted before the password is checked, so parallel guesses cannot outrun the count.
    await lockout?.consume(username, address);
    const user = await verifier.verify(username, password);
    if (!user) throw new HttpError(401, 'Wrong username or password.');
    await lockout?.succeed(username, address);
    return user;
  };
  return {
    authenticate,
    hash: (password) => verifier.hash(password),
    countAccountChange: async (req) => {
      await lockout?.consumeAccountChange(addressOf(req));
    },
  };
}

/**
 * Why a registration asking for `roles` is refused (403), or `undefined`:
 * the roles its asker may give are those the `canCreateUsers` entries of
 * anyone (`''`) and of each of the asker's roles list together; an asker
 * with no entry may not register at all.
 */
function registrationRefusal(
  asker: Session | undefined,
  canCreateUsers: ReadonlyMap<string, ReadonlySet<string>>,
  roles: readonly string[],
): HttpError | undefined {
  const askers = ['', ...(asker?.user?.roles ?? [])];
  const entries = askers.flatMap((asker) => canCreateUsers.get(asker) ?? []);
  if (entries.length === 0) return new HttpError(403, 'Registration is not open to this user.');
  const missing = roles.filter((role) => !entries.some((entry) => entry.has(role)));
  if (missing.length === 0) return undefined;
  return new HttpError(
    403,
    `This user may not register an account with the role${missing.length === 1 ? '' : 's'} ${missing.map((role) => `"${role}"`).join(', ')}.`,
  );
}

/**
 * Credential mode's endpoints: `POST /login` (`username`, `password`, form
 * or JSON), `POST /changepwd` (`username`, `password`, `new_password`;
 * every other sign-in of the user ends) and, with `register`, `POST
 * /register`; each signs the user in as `signIn` does (a session cookie,
 * or tokens). Failures are counted per username and per address, and past
 * the limit answered 429.
 */
export function accountEndpoints(
  accounts: Accounts,
  signIn: SignIn,
  identify: Identification['identify'],
): Endpoints {
  const { users, register, canCreateUsers, passwordPolicy } = accounts;
  const work = passwordWork(accounts);
  const { authenticate } = work;
  const { wrap } = signIn;

  const spec: Endpoints['spec'] = {
    login: { methods: [...signIn.loginMethods] },
    changepwd: { methods: ['POST'] },
  };
  const handlers: Endpoints['handlers'] = {
    login: wrap(async function loginWithCredentials(req, res) {
      if (req.method !== 'POST') {
        throw new HttpError(
          401,
          'Log in with POST /login and a username and password (form or JSON).',
        );
      }
      const answer = signIn.prepare(req);
      const { username, password } = await readCredentials(req, res, ['username', 'password']);
      await answer(res, await authenticate(req, username, password), 200);
    }),

    changepwd: wrap(async function changePassword(req, res) {
      const answer = signIn.prepare(req);
      const fields = await readCredentials(req, res, ['username', 'password', 'new_password']);
      checkNewCredentials(undefined, fields.new_password, passwordPolicy);
      await work.countAccountChange(req);
      const user = await authenticate(req, fields.username, fields.password);
      const passwordHash = await work.hash(fields.new_password);
      if (
        !(await users.update(user.username, { passwordHash }, { passwordHash: user.passwordHash }))
      ) {
        throw new HttpError(409, 'The password was changed meanwhile; log in with the new one.');
      }
      // Every other sign-in of the user ends; this request gets a fresh one.
      await signIn.endAll(user.username);
      await answer(res, { ...user, passwordHash }, 200);
    }),
  };

  if (register) {
    spec.register = { methods: ['POST'] };
    handlers.register = wrap(async function registerUser(req, res) {
      const answer = signIn.prepare(req);
      const { username, password, roles } = await readRegistration(req, res);
      checkNewCredentials(username, password, passwordPolicy);
      if ((await register(req, username)) !== true) {
        throw new HttpError(403, 'Registration is not open to this user.');
      }
      // Who asks, as this auth() knows them (not another one the request passed).
      let asker: Session | undefined;
      try {
        asker = await identify(req);
      } catch (err) {
        // The store cannot say who asks: a registration that needs to know waits for it.
        if (roles.length > 0 || !canCreateUsers.has('')) throw err;
      }
      const refused = registrationRefusal(asker, canCreateUsers, roles);
      if (refused) throw refused;
      await work.countAccountChange(req);
      const user = { username, passwordHash: await work.hash(password), roles };
      if (!(await users.create(user))) throw new HttpError(400, 'That username is taken.');
      // A signed-in user registering another account (an admin adding one) stays who they are.
      if (asker?.user) {
        res.status(201).json({ username, roles, registeredBy: asker.user.username });
        return;
      }
      await answer(res, user, 201);
    });
  }
  return { spec, handlers };
}
