import { useEffect } from 'react';
import { useAppDispatch, useAppSelector } from '../../app/hooks.js';
import { noticeDismissed, type Notice } from './noticesSlice.js';

/** Recall and info notices fade after a while, warnings after longer; errors stay until dismissed. */
const AUTO_DISMISS_MS: Record<Notice['kind'], number | null> = { recall: 8_000, info: 8_000, warning: 20_000, error: null };
/** The newest two: enough to compare with the previous recall, without covering the panels. */
const VISIBLE = 2;

function NoticeItem({ notice }: { notice: Notice }) {
  const dispatch = useAppDispatch();
  useEffect(() => {
    const ms = AUTO_DISMISS_MS[notice.kind];
    if (ms === null) return;
    const t = setTimeout(() => dispatch(noticeDismissed(notice.id)), ms);
    return () => clearTimeout(t);
  }, [dispatch, notice.id, notice.kind]);
  return (
    <li className={`notice notice-${notice.kind}`}>
      <div className="notice-text">
        <span>{notice.text}</span>
        {notice.details.length ? (
          <ul className="notice-details">
            {notice.details.map((d, i) => (
              <li key={i}>{d}</li>
            ))}
          </ul>
        ) : null}
      </div>
      <button type="button" className="icon-button" aria-label="Dismiss notice" onClick={() => dispatch(noticeDismissed(notice.id))}>
        ✕
      </button>
    </li>
  );
}

export function Notices() {
  const notices = useAppSelector((s) => s.notices.notices);
  // With the gallery open, notices move beside it, over the canvas, rather than over its details.
  const besideGallery = useAppSelector((s) => s.gallery.open);
  return (
    <section className={`notices${besideGallery ? ' notices-beside-gallery' : ''}`} aria-label="Notices" aria-live="polite">
      <ul>
        {notices.slice(0, VISIBLE).map((n) => (
          <NoticeItem key={n.id} notice={n} />
        ))}
      </ul>
    </section>
  );
}
