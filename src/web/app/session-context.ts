import { createContext, useContext } from 'react';
import type { RecallApi } from './api.js';
import type { LiveSession } from './live-session.js';

export interface Session {
  api: RecallApi;
  live: LiveSession;
  /** Switches queue and remembers the choice (URL and local storage). */
  selectQueue(queueId: string): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionContext');
  return session;
}
