import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../app/store.js';
import { tokenAccepted, tokenChangeRequested, tokenForgotten, tokenPromptClosed, tokenRejected, tokenRequired, tokenRestored, tokenSubmitted } from './authSlice.js';

const NO_TOKEN = 'Authentication required: send the header "Authorization: Bearer <token>"';

describe('auth slice', () => {
  it('asks for a token without an error when the page has none', () => {
    const store = createAppStore();
    store.dispatch(tokenRequired(NO_TOKEN));
    expect(store.getState().auth).toEqual({ hasToken: false, generation: 0, prompt: { reason: 'required', error: null, checking: false } });
  });

  it("shows the server's reason when the token in use is refused", () => {
    const store = createAppStore();
    store.dispatch(tokenRestored());
    store.dispatch(tokenRequired('The token is not valid'));
    expect(store.getState().auth.prompt).toEqual({ reason: 'required', error: 'The token is not valid', checking: false });
  });

  it('keeps the prompt open with the reason for a wrong token, and closes it for a right one', () => {
    const store = createAppStore();
    store.dispatch(tokenRequired(NO_TOKEN));
    store.dispatch(tokenSubmitted());
    expect(store.getState().auth.prompt?.checking).toBe(true);
    // A late 401 of a request sent without a token does not disturb the token being tried.
    store.dispatch(tokenRequired(NO_TOKEN));
    expect(store.getState().auth.prompt).toEqual({ reason: 'required', error: null, checking: true });
    store.dispatch(tokenRejected('The token is not valid'));
    expect(store.getState().auth.prompt).toEqual({ reason: 'required', error: 'The token is not valid', checking: false });
    store.dispatch(tokenSubmitted());
    expect(store.getState().auth.prompt?.error).toBeNull();
    store.dispatch(tokenAccepted());
    expect(store.getState().auth).toEqual({ hasToken: true, generation: 1, prompt: null });
  });

  it('lets the user close a prompt to change the token, but not one the server asked for', () => {
    const store = createAppStore();
    store.dispatch(tokenRestored());
    store.dispatch(tokenChangeRequested());
    expect(store.getState().auth.prompt?.reason).toBe('change');
    store.dispatch(tokenPromptClosed());
    expect(store.getState().auth.prompt).toBeNull();
    store.dispatch(tokenRequired('The token is not valid'));
    store.dispatch(tokenPromptClosed());
    expect(store.getState().auth.prompt?.reason).toBe('required');
  });

  it('counts each change of token, so images are loaded again with the new one', () => {
    const store = createAppStore();
    store.dispatch(tokenRestored());
    store.dispatch(tokenAccepted());
    store.dispatch(tokenForgotten());
    expect(store.getState().auth).toEqual({ hasToken: false, generation: 3, prompt: null });
  });
});
