// mixnmatch: the pieces of a test server as Express middleware. Named exports only.
import './augment';

export { canonicalize, endpoints, endpoints as endpointsRouter } from './endpoints';
export type { CanonicalizeOptions, EndpointMatch, EndpointsOptions } from './endpoints';
export { ARGS_ANY, ARGS_OPTIONAL, ARGS_REQUIRED } from './endpoints/spec';
export type { ArgsCount, EndpointHandlers, EndpointNode, EndpointSpec } from './endpoints/spec';
export { templates, DEFAULT_PAGE } from './templates';
export type { Template, TemplateFields, TemplatePage, TemplatesOptions } from './templates';
export { deny, headers, noCache } from './hooks';
export type { Denial, DenyFn, HeaderMap } from './hooks';
export { serveStatic } from './static';
export type { ServeStaticOptions } from './static';
export { errorHandler } from './error-handler';
export type { ErrorHandlerOptions } from './error-handler';
export {
  ConfigError,
  EndpointError,
  ExtraArgsError,
  HttpError,
  MethodNotAllowedError,
  MissingArgsError,
  NotAnEndpointError,
} from './shared/errors';
export type { HttpErrorOptions } from './shared/errors';
export type { ValueOrFn } from './types';
export { cors, DEFAULT_ALLOWED_HEADERS } from './cors';
export type { CorsOptions } from './cors';
export { requestLog } from './log';
export { createApp } from './app';
export type { CreateAppOptions } from './app';
export type { LogEntry, LogStream, RequestLogOptions } from './log';

export { cache, cache as cacheRouter, MemoryPageStore } from './cache';
export type {
  CacheOptions,
  CacheStatusCodes,
  CachedPage,
  PageLimits,
  PageLookup,
  PageStore,
  PageSaveResult,
} from './cache';

export { goto, goto as gotoRouter } from './goto';
export type { GotoHostPredicate, GotoOptions } from './goto';

export { reflect, reflect as reflectRouter } from './reflect';
export type { ReflectOptions } from './reflect';
export {
  capture,
  capture as captureRouter,
  dashboard,
  MemoryCaptureStore,
  CaptureStoreFullError,
  FileCaptureStore,
  RedisCaptureStore,
} from './capture';
export type {
  CaptureOptions,
  DashboardOptions,
  Hit,
  HitBody,
  BinReply,
  BinResponse,
  MemoryCaptureStoreOptions,
  FileCaptureStoreOptions,
  RedisCaptureStoreOptions,
} from './capture';
export { sse } from './http/sse';
export type { EventStream, EventStreamOptions } from './http/sse';

export {
  auth,
  auth as authRouter,
  requireSession,
  getSession,
  MemorySessionStore,
  MemoryUserStore,
  MemoryLockoutStore,
  MemoryRefreshTokenStore,
  ORIGINAL_PASSWORD_POLICY,
  DEFAULT_SCRYPT,
  hashPassword,
  verifyPassword,
  needsRehash,
} from './auth';
export type {
  AuthOptions,
  AccessRule,
  LockoutOptions,
  HashingOptions,
  MemoryLockoutStoreOptions,
  MemoryRefreshTokenStoreOptions,
  PasswordPolicy,
  TokenOptions,
  MemorySessionStoreOptions,
  RegisterPredicate,
  RequireSessionOptions,
  RoleSecret,
  ScryptParams,
  UserEntry,
} from './auth';
export type {
  AttemptCount,
  BinInfo,
  CaptureStore,
  HitQuery,
  LockoutStore,
  RefreshRecord,
  RefreshTokenStore,
  RefreshSuccessor,
  RefreshUse,
  Session,
  SessionData,
  SessionStore,
  SessionUser,
  UserRecord,
  UserStore,
} from './types';

export { RedisSessionStore } from './sessions/redis-store';
export type { RedisSessionStoreOptions } from './sessions/redis-store';
export { RedisLockoutStore, RedisUserStore } from './accounts/redis-store';
export type { FileUserState } from './accounts/redis-store';
export { RedisRefreshTokenStore } from './tokens/redis-store';
export { RedisPageStore, type RedisPageStoreOptions } from './cache/redis-store';
export { redisStores } from './redis-stores';
export type { RedisStores } from './redis-stores';
export { StoreUnavailableError } from './redis';
export type { RedisStoreOptions, SendCommand } from './redis';
