import { createContext, useContext } from 'react';
import type { RecallApi } from './api.js';
import type { ImageBlobCache } from './image-blobs.js';
import type { LiveSession } from './live-session.js';

/** What the token prompt and the top bar do with a token. */
export interface TokenControl {
  /** Tries the token; when the server takes it, keeps it (see TokenStore) and connects again with it. */
  submit(token: string, remember: boolean): Promise<void>;
  /** Stops sending the token and forgets it on this device. */
  forget(): void;
}

export interface Session {
  api: RecallApi;
  live: LiveSession;
  /** Images fetched with the access token, shared by the components showing them. */
  images: ImageBlobCache;
  token: TokenControl;
  /** Switches queue and remembers the choice (URL and local storage). */
  selectQueue(queueId: string): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionContext');
  return session;
}
