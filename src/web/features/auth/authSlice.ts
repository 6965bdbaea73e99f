import { createSlice, type PayloadAction } from '@reduxjs/toolkit';

/** The token prompt: shown because the server asked for a token, or because the user wants to change it. */
export interface TokenPrompt {
  reason: 'required' | 'change';
  /** The server's answer to the last token tried (or to the stored one). */
  error: string | null;
  /** A token is being tried. */
  checking: boolean;
}

/**
 * Whether the page sends an access token, and the prompt for one. The token itself is kept out of
 * the store (see app/auth-token.ts); `generation` counts changes to it, so what was loaded with an
 * older token (images) is loaded again.
 */
export interface AuthState {
  hasToken: boolean;
  generation: number;
  prompt: TokenPrompt | null;
}

const initialState: AuthState = { hasToken: false, generation: 0, prompt: null };

export const authSlice = createSlice({
  name: 'auth',
  initialState,
  reducers: {
    /** A token kept from an earlier visit is in use. */
    tokenRestored(state) {
      state.hasToken = true;
      state.generation++;
    },
    /**
     * The server refused the token in use (401 or a refused socket handshake). Without a token the
     * prompt just asks for one; with one, the server's reason is shown. A token being tried is not
     * interrupted.
     */
    tokenRequired(state, action: PayloadAction<string>) {
      if (state.prompt?.checking) return;
      state.prompt = { reason: 'required', error: state.hasToken ? action.payload : (state.prompt?.error ?? null), checking: false };
    },
    tokenChangeRequested(state) {
      state.prompt ??= { reason: 'change', error: null, checking: false };
    },
    tokenSubmitted(state) {
      if (state.prompt) state.prompt = { ...state.prompt, error: null, checking: true };
    },
    tokenRejected(state, action: PayloadAction<string>) {
      if (state.prompt) state.prompt = { ...state.prompt, error: action.payload, checking: false };
    },
    tokenAccepted(state) {
      state.hasToken = true;
      state.generation++;
      state.prompt = null;
    },
    tokenForgotten(state) {
      state.hasToken = false;
      state.generation++;
      state.prompt = null;
    },
    /** Closing is only possible when the page can go on without a new token. */
    tokenPromptClosed(state) {
      if (state.prompt?.reason === 'change' && !state.prompt.checking) state.prompt = null;
    },
  },
});

export const { tokenRestored, tokenRequired, tokenChangeRequested, tokenSubmitted, tokenRejected, tokenAccepted, tokenForgotten, tokenPromptClosed } = authSlice.actions;
