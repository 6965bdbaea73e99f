import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useAppSelector } from '../../app/hooks.js';
import { useImageSrc } from '../../app/use-image-src.js';
import { useNearViewport } from '../../app/use-near-viewport.js';
import { hasMoreImages } from './gallerySlice.js';
import { useGallery } from './use-gallery.js';

/** Thumbnails per row; the arrow keys move by it. Matches `.gallery-grid` in app.css. */
const COLUMNS = 2;
const optionId = (i: number) => `gallery-image-${i}`;

function Thumb({ imageName }: { imageName: string }) {
  // Without a token the browser's lazy loading does this; with one, thumbnails are fetched by the
  // page, so only those scrolled near are asked for.
  const hasToken = useAppSelector((s) => s.auth.hasToken);
  const [ref, near] = useNearViewport<HTMLImageElement>(hasToken);
  const img = useImageSrc(near ? imageName : null, 'thumbnail');
  return img.failed ? (
    <span className="gallery-thumb gallery-thumb-missing">No preview</span>
  ) : (
    <img ref={ref} className="gallery-thumb" src={img.src} alt="" loading="lazy" onError={img.onError} />
  );
}

/**
 * The thumbnails, newest first, as a single-select listbox: Tab reaches it once, the arrow keys,
 * Home and End move the selection (and its metadata follows), the end of the list loads more.
 */
export function ImageGrid() {
  const gallery = useAppSelector((s) => s.gallery);
  const { select, loadMore } = useGallery();
  const listRef = useRef<HTMLDivElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const endRef = useRef<HTMLDivElement>(null);
  const { images, selected } = gallery;
  const index = images.findIndex((i) => i.image_name === selected);
  const more = hasMoreImages(gallery);

  useEffect(() => {
    if (index >= 0) document.getElementById(optionId(index))?.scrollIntoView({ block: 'nearest' });
  }, [index]);

  // Scrolling to the end of what is loaded asks for the next page.
  useEffect(() => {
    const end = endRef.current;
    if (!end || !more) return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && void loadMore(), { root: scrollRef.current, rootMargin: '200px' });
    observer.observe(end);
    return () => observer.disconnect();
  }, [more, loadMore, images.length]);

  const onKeyDown = (e: KeyboardEvent) => {
    const last = images.length - 1;
    const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, ArrowDown: index + COLUMNS, ArrowUp: index - COLUMNS, Home: 0, End: last };
    let next = moves[e.key];
    if (next === undefined || images.length === 0) return;
    e.preventDefault();
    if (index < 0) next = 0;
    if (next > last && more) void loadMore();
    next = Math.max(0, Math.min(last, next));
    if (next !== index) void select(images[next]!.image_name);
  };

  if (images.length === 0) {
    if (gallery.status === 'loading' || gallery.status === 'idle') return <p className="gallery-empty">Loading images…</p>;
    if (gallery.status === 'failed') return null;
    return (
      <p className="gallery-empty">
        No images in outputs/images yet. Drop an image file anywhere on the page to recall it; it is kept here.
      </p>
    );
  }
  return (
    <div ref={scrollRef} className="gallery-scroll">
    <div
      ref={listRef}
      className="gallery-grid"
      role="listbox"
      aria-label="Images in outputs/images, newest first"
      tabIndex={0}
      aria-activedescendant={index >= 0 ? optionId(index) : undefined}
      onKeyDown={onKeyDown}
    >
      {images.map((img, i) => (
        <div
          key={img.image_name}
          id={optionId(i)}
          role="option"
          aria-selected={img.image_name === selected}
          className="gallery-item"
          title={`${img.image_name} · ${img.width}×${img.height}`}
          onClick={() => {
            listRef.current?.focus();
            void select(img.image_name);
          }}
        >
          <Thumb imageName={img.image_name} />
          <span className="gallery-caption">{img.image_name}</span>
        </div>
      ))}
    </div>
    <div ref={endRef} className="gallery-end">
      {more ? (
        <button type="button" onClick={() => void loadMore()} disabled={gallery.status === 'loading'}>
          {gallery.status === 'loading' ? 'Loading…' : `Load more (${gallery.total - images.length} left)`}
        </button>
      ) : null}
    </div>
    </div>
  );
}
