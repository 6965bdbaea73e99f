import { useEffect, useRef, useState, type RefObject } from 'react';

/** How far outside the visible area an element counts as near: a scroll's worth of thumbnails. */
const NEAR_MARGIN = '300px';

/**
 * Whether the element has come within a short scroll of being visible; stays true once it has.
 * Images fetched with the token use it to load only what the user scrolls to (a `blob:` URL cannot
 * use the browser's own `loading="lazy"`, which waits for a `src`). Where the browser has no
 * IntersectionObserver, everything counts as near.
 */
export function useNearViewport<T extends Element>(enabled = true): [RefObject<T | null>, boolean] {
  const ref = useRef<T | null>(null);
  const [seen, setSeen] = useState(false);
  const watching = enabled && !seen && typeof IntersectionObserver !== 'undefined';
  useEffect(() => {
    const el = ref.current;
    if (!watching || !el) return;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          setSeen(true);
          observer.disconnect();
        }
      },
      { rootMargin: NEAR_MARGIN },
    );
    observer.observe(el);
    return () => observer.disconnect();
  }, [watching]);
  return [ref, !watching];
}
