import './app/zod-jitless.js';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'react-redux';
import { zQueueId } from '../shared/queue.js';
import { createApi } from './app/api.js';
import { App } from './app/App.js';
import { createTokenStore } from './app/auth-token.js';
import { createImageBlobCache } from './app/image-blobs.js';
import { startLiveSession } from './app/live-session.js';
import { initLogging, logger } from './app/logging.js';
import type { Session } from './app/session-context.js';
import { SessionContext } from './app/session-context.js';
import { createAppStore } from './app/store.js';
import { tokenRequired, tokenRestored } from './features/auth/authSlice.js';
import { createTokenControl } from './features/auth/token-control.js';
import { DEFAULT_QUEUE_ID } from './features/queue/queueSlice.js';
import './app/app.css';

const QUEUE_STORAGE_KEY = 'recall.queue';

/** Browser storage for the access token; none when the browser refuses access to it. */
function tokenStorage(): { local: Storage; session: Storage } | null {
  try {
    return { local: window.localStorage, session: window.sessionStorage };
  } catch {
    return null;
  }
}

/** The queue to open: `?queue=` first (so a link can name one), then the last one used here. */
function initialQueue(): string {
  const fromUrl = new URLSearchParams(window.location.search).get('queue');
  for (const candidate of [fromUrl, localStorage.getItem(QUEUE_STORAGE_KEY)]) {
    if (candidate && zQueueId.safeParse(candidate).success) return candidate;
  }
  return DEFAULT_QUEUE_ID;
}

function rememberQueue(queueId: string): void {
  localStorage.setItem(QUEUE_STORAGE_KEY, queueId);
  const url = new URL(window.location.href);
  if (queueId === DEFAULT_QUEUE_ID) url.searchParams.delete('queue');
  else url.searchParams.set('queue', queueId);
  window.history.replaceState(null, '', url);
}

const logging = initLogging(window.localStorage);
const log = logger('app');
const queueId = initialQueue();
const store = createAppStore(queueId);
const tokens = createTokenStore(tokenStorage());
if (tokens.get()) store.dispatch(tokenRestored());
// A 401 to the token in use (or to none) opens the token prompt; the token itself never enters the store.
const api = createApi('', undefined, { token: tokens.get, onUnauthorized: (err) => store.dispatch(tokenRequired(err.message)) });
const live = startLiveSession(store, api, { token: tokens.get });
rememberQueue(queueId);
log.info({ queueId, logging: logging.filter ?? 'unfiltered' }, 'Recall web UI started on queue %s', queueId);

const session: Session = {
  api,
  live,
  images: createImageBlobCache(),
  token: createTokenControl(store, api, live, tokens),
  selectQueue: async (next) => {
    await live.selectQueue(next);
    rememberQueue(store.getState().queue.queueId);
  },
};

// Edits typed just before closing the tab still reach the server.
window.addEventListener('pagehide', () => void live.flush({ keepalive: true }));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider store={store}>
      <SessionContext.Provider value={session}>
        <App />
      </SessionContext.Provider>
    </Provider>
  </StrictMode>,
);
