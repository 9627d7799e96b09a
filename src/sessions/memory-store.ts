// MemorySessionStore: the default SessionStore, in memory, capped, least recently used evicted first.
import { positiveIntegerOption } from '../shared/options';
import type { SessionData, SessionStore } from '../types';

/** Options for {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** How many sessions it keeps; past it, the least recently used is forgotten. Defaults to `1000`. */
  maxSessions?: number;
}

function copy(data: SessionData): SessionData {
  return data.user
    ? { ...data, user: { username: data.user.username, roles: [...data.user.roles] } }
    : { ...data };
}

/**
 * Keeps sessions in a `Map`, in order of last use. A read moves a session to
 * the end; when a new session would pass `maxSessions`, the least recently
 * used one is forgotten (the original kept its oldest 10 and refused new
 * ones, so a few anonymous logins could lock out everyone). Expired sessions
 * are dropped when read. Sessions are forgotten on restart.
 */
export class MemorySessionStore implements SessionStore {
  readonly maxSessions: number;
  private readonly sessions = new Map<string, SessionData>();

  constructor(options: MemorySessionStoreOptions = {}) {
    const max = positiveIntegerOption(
      'MemorySessionStore',
      'maxSessions',
      options.maxSessions,
      1000,
      'new MemorySessionStore({ maxSessions: 1000 })',
    );
    this.maxSessions = max;
  }

  /** How many sessions it holds (expired ones not yet dropped included). */
  get size(): number {
    return this.sessions.size;
  }

  get(id: string): SessionData | undefined {
    const data = this.sessions.get(id);
    if (!data) return undefined;
    this.sessions.delete(id);
    if (data.expiresAt <= Date.now()) return undefined;
    this.sessions.set(id, data);
    return copy(data);
  }

  set(id: string, data: SessionData): void {
    this.sessions.delete(id);
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next();
      if (oldest.done) break;
      this.sessions.delete(oldest.value);
    }
    this.sessions.set(id, copy(data));
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  deleteUser(username: string): void {
    for (const [id, data] of this.sessions) {
      if (data.user?.username === username) this.sessions.delete(id);
    }
  }

  /** Forgets every session. */
  close(): void {
    this.sessions.clear();
  }
}
