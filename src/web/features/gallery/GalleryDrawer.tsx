import { useEffect, useRef } from 'react';
import { useAppDispatch, useAppSelector } from '../../app/hooks.js';
import { galleryClosed } from './gallerySlice.js';
import { ImageGrid } from './ImageGrid.js';
import { SelectedImage } from './MetadataView.js';
import { useGallery } from './use-gallery.js';

export const GALLERY_TOGGLE_ID = 'gallery-toggle';
export const GALLERY_DRAWER_ID = 'gallery-drawer';

/** Chooses an image file from disk: the keyboard's way to do what a drop does. */
function RecallFromFile() {
  const { recallFiles } = useGallery();
  return (
    <label className="button file-button">
      Recall from a file…
      <input
        type="file"
        className="visually-hidden"
        accept="image/png,image/jpeg,image/webp"
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          void recallFiles(files);
        }}
      />
    </label>
  );
}

/**
 * The gallery: a drawer over the right of the page (the prompts and seed stay in view), listing
 * outputs/images with the selected image's metadata beside. It reloads its first page each time it
 * opens; Escape closes it and gives focus back to its button.
 */
export function GalleryDrawer() {
  const dispatch = useAppDispatch();
  const gallery = useAppSelector((s) => s.gallery);
  const { refresh } = useGallery();
  const drawerRef = useRef<HTMLElement>(null);

  useEffect(() => {
    if (!gallery.open) return;
    void refresh();
    drawerRef.current?.focus();
  }, [gallery.open, refresh]);

  if (!gallery.open) return null;
  const close = () => {
    dispatch(galleryClosed());
    document.getElementById(GALLERY_TOGGLE_ID)?.focus();
  };
  return (
    <aside
      id={GALLERY_DRAWER_ID}
      ref={drawerRef}
      className="gallery-drawer panel"
      aria-labelledby="gallery-title"
      tabIndex={-1}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          close();
        }
      }}
    >
      <div className="panel-header gallery-header">
        <h2 id="gallery-title">Gallery{gallery.total ? ` (${gallery.total})` : ''}</h2>
        <div className="card-actions">
          <RecallFromFile />
          <button type="button" onClick={() => void refresh()} disabled={gallery.status === 'loading'} title="Read outputs/images again">
            Refresh
          </button>
          <button type="button" className="icon-button" aria-label="Close gallery" title="Close (Esc)" onClick={close}>
            ✕
          </button>
        </div>
      </div>
      {gallery.status === 'failed' ? (
        <p className="field-error gallery-error" role="alert">
          Could not list images: {gallery.error}
        </p>
      ) : null}
      <div className="gallery-body">
        <div className="gallery-list">
          <ImageGrid />
        </div>
        <div className="gallery-details" aria-label="Selected image" role="region">
          <SelectedImage />
        </div>
      </div>
    </aside>
  );
}
