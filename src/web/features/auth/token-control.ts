import { ApiError, type RecallApi } from '../../app/api.js';
import type { TokenStore } from '../../app/auth-token.js';
import type { LiveSession } from '../../app/live-session.js';
import { logger } from '../../app/logging.js';
import type { TokenControl } from '../../app/session-context.js';
import type { AppStore } from '../../app/store.js';
import { loadGalleryPage } from '../gallery/gallery-actions.js';
import { tokenAccepted, tokenForgotten, tokenRejected, tokenSubmitted } from './authSlice.js';

const log = logger('app');

/**
 * What the page does with a token the user enters or forgets. A token is tried with one cheap call
 * before it is kept, so a wrong one leaves the prompt open with the server's reason. Once taken,
 * the live session connects again with it (and, on connecting, reloads the models, reads the saved
 * state, subscribes and catches up); an open gallery loads again. The token is never logged.
 */
export function createTokenControl(store: AppStore, api: RecallApi, live: Pick<LiveSession, 'reauthenticate'>, tokens: TokenStore): TokenControl {
  const afterChange = () => {
    live.reauthenticate();
    if (store.getState().gallery.open) void loadGalleryPage(store, api, { more: false });
  };
  return {
    async submit(token, remember) {
      const candidate = token.trim();
      store.dispatch(tokenSubmitted());
      if (!candidate) {
        store.dispatch(tokenRejected('Enter the access token the server was started with.'));
        return;
      }
      try {
        await api.checkToken(candidate);
      } catch (err) {
        const message = err instanceof ApiError ? err.message : String(err);
        log.warn({ status: err instanceof ApiError ? err.status : null }, 'The server refused the token: %s', message);
        store.dispatch(tokenRejected(message));
        return;
      }
      tokens.set(candidate, remember);
      store.dispatch(tokenAccepted());
      log.info({ remembered: remember }, 'Access token accepted');
      afterChange();
    },
    forget() {
      tokens.clear();
      store.dispatch(tokenForgotten());
      log.info('Access token forgotten');
      afterChange();
    },
  };
}
