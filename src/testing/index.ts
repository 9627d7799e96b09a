// mixnmatch/testing: the store contract suites, for authors of stores (Redis, a database) to run theirs through.
export { testApi } from './api';
export type { ContractOptions, TestApi } from './api';
export { binaryPage, pageStoreContract, seededRandom } from './page-store';
export { sessionStoreContract } from './session-store';
export type { SessionContractOptions } from './session-store';
export { userStoreContract } from './user-store';
export { lockoutStoreContract } from './lockout-store';
export type { LockoutContractOptions } from './lockout-store';
export { refreshTokenStoreContract } from './refresh-store';
export { captureStoreContract, sampleHit } from './capture-store';
export type { CaptureContractOptions } from './capture-store';
// The contracts themselves (they live in src/types.ts, and are also mixnmatch's own exports), beside their suites.
export type {
  CachedPage,
  CaptureStore,
  LockoutStore,
  PageLimits,
  PageLookup,
  PageSaveResult,
  PageStore,
  RefreshTokenStore,
  SessionStore,
  UserStore,
} from '../types';
