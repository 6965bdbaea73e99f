import { useEffect, useId, useRef, useState } from 'react';
import { useAppDispatch, useAppSelector } from '../../app/hooks.js';
import { useSession } from '../../app/session-context.js';
import { tokenChangeRequested, tokenPromptClosed } from './authSlice.js';

/**
 * The token prompt, a modal dialog (the page behind it is inert): shown when the server answers 401
 * or refuses the socket handshake, or when the user asks to change the token. A wrong token keeps it
 * open with the server's reason. What is typed stays in this component, never in the store.
 */
export function TokenDialog() {
  const prompt = useAppSelector((s) => s.auth.prompt);
  const hasToken = useAppSelector((s) => s.auth.hasToken);
  const dispatch = useAppDispatch();
  const { token } = useSession();
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [value, setValue] = useState('');
  const [remember, setRemember] = useState(false);
  const open = prompt !== null;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
    if (!open) setValue('');
  }, [open]);

  const required = prompt?.reason === 'required';
  return (
    <dialog
      ref={ref}
      className="token-dialog panel"
      aria-labelledby={`${id}-title`}
      aria-describedby={`${id}-about`}
      // Escape closes it only when the page can go on without a new token.
      onCancel={(e) => {
        e.preventDefault();
        dispatch(tokenPromptClosed());
      }}
    >
      {prompt ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void token.submit(value, remember);
          }}
        >
          <h2 id={`${id}-title`}>{required ? 'This server needs an access token' : 'Change the access token'}</h2>
          <p id={`${id}-about`} className="hint">
            Recall was started with <code>--auth-token</code> or <code>--tokens-file</code>. Enter a token to connect; whoever runs the server can give you one.
          </p>
          <div className="field">
            <label htmlFor={`${id}-token`}>Access token</label>
            <input
              id={`${id}-token`}
              type="password"
              autoComplete="off"
              spellCheck={false}
              autoFocus
              value={value}
              onChange={(e) => setValue(e.target.value)}
              aria-invalid={prompt.error ? true : undefined}
              aria-describedby={prompt.error ? `${id}-error` : undefined}
            />
          </div>
          <label className="token-remember">
            <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
            Remember on this device
          </label>
          {prompt.error ? (
            <p id={`${id}-error`} className="field-error" role="alert">
              {prompt.error}
            </p>
          ) : null}
          <div className="dialog-actions">
            {hasToken ? (
              <button type="button" className="ghost" onClick={() => token.forget()} disabled={prompt.checking}>
                Forget token
              </button>
            ) : null}
            <span className="spacer" />
            {required ? null : (
              <button type="button" onClick={() => dispatch(tokenPromptClosed())} disabled={prompt.checking}>
                Cancel
              </button>
            )}
            <button type="submit" className="primary" disabled={prompt.checking || value.trim() === ''}>
              {prompt.checking ? 'Connecting…' : 'Connect'}
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}

/** The top bar's button to change or forget the token; shown only while the page sends one. */
export function TokenButton() {
  const hasToken = useAppSelector((s) => s.auth.hasToken);
  const dispatch = useAppDispatch();
  if (!hasToken) return null;
  return (
    <button type="button" className="ghost token-button" title="Change or forget the access token this page sends" onClick={() => dispatch(tokenChangeRequested())}>
      Token
    </button>
  );
}
