import { useEffect, useId, useState } from 'react';
import { zQueueId } from '../../../shared/queue.js';
import { useAppDispatch, useAppSelector } from '../../app/hooks.js';
import { useSession } from '../../app/session-context.js';
import { TokenButton } from '../auth/TokenDialog.js';
import { GALLERY_DRAWER_ID, GALLERY_TOGGLE_ID } from '../gallery/GalleryDrawer.js';
import { galleryClosed, galleryOpened } from '../gallery/gallerySlice.js';
import type { QueueState } from './queueSlice.js';

function connectionText(q: QueueState, tokenNeeded: boolean): { text: string; tone: 'ok' | 'busy' | 'bad' } {
  if (q.connection.status === 'connected') {
    if (q.subscription === 'subscribed') return { text: 'Live', tone: 'ok' };
    if (q.subscription === 'failed') return { text: 'Not subscribed', tone: 'bad' };
    return { text: 'Joining queue…', tone: 'busy' };
  }
  if (q.connection.status === 'connecting') return { text: 'Connecting…', tone: 'busy' };
  // A refused handshake is not retried: the page waits for a token.
  if (tokenNeeded) return { text: 'Needs a token', tone: 'bad' };
  return { text: 'Offline, reconnecting…', tone: 'bad' };
}

const SAVE_TEXT: Record<QueueState['save'], string> = {
  idle: '',
  pending: 'Unsaved changes',
  saving: 'Saving…',
  saved: 'Saved',
  failed: 'Not saved',
};

function QueueSelector({ queueId }: { queueId: string }) {
  const { selectQueue } = useSession();
  const id = useId();
  const [draft, setDraft] = useState(queueId);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setDraft(queueId), [queueId]);
  const submit = () => {
    const parsed = zQueueId.safeParse(draft.trim());
    if (!parsed.success) {
      setError(`Queue id ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
      return;
    }
    setError(null);
    void selectQueue(parsed.data);
  };
  return (
    <form
      className="queue-selector"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label htmlFor={id}>Queue</label>
      <input id={id} type="text" value={draft} spellCheck={false} autoComplete="off" aria-invalid={error ? true : undefined} onChange={(e) => setDraft(e.target.value)} onBlur={() => error && setDraft(queueId)} />
      <button type="submit" disabled={draft.trim() === queueId}>
        Switch
      </button>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </form>
  );
}

/** The top bar: queue, connection, last recall, save state, models. */
export function QueueBar() {
  const queue = useAppSelector((s) => s.queue);
  const models = useAppSelector((s) => s.models);
  const galleryOpen = useAppSelector((s) => s.gallery.open);
  const tokenNeeded = useAppSelector((s) => s.auth.prompt?.reason === 'required');
  const dispatch = useAppDispatch();
  const { live } = useSession();
  const conn = connectionText(queue, tokenNeeded);
  const count = Object.keys(models.byKey).length;
  const last = queue.lastRecall;
  return (
    <header className="top-bar">
      <h1 className="brand">Recall</h1>
      <QueueSelector queueId={queue.queueId} />
      <span className={`connection tone-${conn.tone}`} role="status" aria-label="Connection" title={queue.connection.error ?? undefined}>
        <span className="dot" aria-hidden="true" />
        {conn.text}
      </span>
      <TokenButton />
      <span className="revision" aria-label="Last recall" title={last ? `Applied ${new Date(last.at).toLocaleTimeString()}` : 'No recall applied yet'}>
        {queue.revision > 0 ? `Recall #${queue.revision}` : 'No recall yet'}
      </span>
      <span className="spacer" />
      <span className={`save-state save-${queue.save}`} role="status" aria-label="Save state">
        {queue.restore === 'failed' ? 'Saving off' : SAVE_TEXT[queue.save]}
      </span>
      <button
        type="button"
        id={GALLERY_TOGGLE_ID}
        className={`ghost${galleryOpen ? ' active' : ''}`}
        aria-expanded={galleryOpen}
        aria-controls={galleryOpen ? GALLERY_DRAWER_ID : undefined}
        title="Images of outputs/images: see how each was made, recall or remix it"
        onClick={() => dispatch(galleryOpen ? galleryClosed() : galleryOpened())}
      >
        Gallery
      </button>
      <button type="button" className="ghost" onClick={() => void live.reloadModels()} title="Reload the model list" disabled={models.status === 'loading'}>
        {models.status === 'failed' ? 'Models: error' : `${count} models`} ⟳
      </button>
    </header>
  );
}
