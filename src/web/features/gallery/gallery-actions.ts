import { nanoid } from '@reduxjs/toolkit';
import type { RecallApi } from '../../app/api.js';
import { logger } from '../../app/logging.js';
import type { AppStore } from '../../app/store.js';
import { noticeShown } from '../notices/noticesSlice.js';
import { describeFromImageError, describeFromImageResult, type NoticeContent } from './from-image-notice.js';
import {
  fromImageFinished,
  fromImageRequested,
  GALLERY_PAGE_SIZE,
  galleryPageLoaded,
  galleryPageLoadFailed,
  galleryPageRequested,
  hasMoreImages,
  imageMetadataLoaded,
  imageMetadataLoadFailed,
  imageSelected,
} from './gallerySlice.js';

/*
 * The gallery's calls to the server. A recall from an image only asks the server: the page changes
 * when the recall's event arrives through the socket, exactly as for any other recall.
 */

const log = logger('gallery');
type Store = Pick<AppStore, 'dispatch' | 'getState'>;

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const show = (store: Store, n: NoticeContent) => store.dispatch(noticeShown(n.kind, n.text, n.details));

/** Loads the first page again (`more: false`) or the next one; a next page waits for a load in progress. */
export async function loadGalleryPage(store: Store, api: RecallApi, { more }: { more: boolean }): Promise<void> {
  const s = store.getState().gallery;
  if (more && (s.status === 'loading' || !hasMoreImages(s))) return;
  const offset = more ? s.images.length : 0;
  const requestId = nanoid();
  store.dispatch(galleryPageRequested({ requestId, offset }));
  try {
    const page = await api.listImages(offset, GALLERY_PAGE_SIZE);
    store.dispatch(galleryPageLoaded({ requestId, offset, items: page.items, total: page.total }));
  } catch (err) {
    log.warn({ error: messageOf(err) }, 'Could not list images');
    store.dispatch(galleryPageLoadFailed({ requestId, error: messageOf(err) }));
  }
}

/** Selects an image and reads its metadata (once: selecting it again keeps what was read). */
export async function selectGalleryImage(store: Store, api: RecallApi, imageName: string): Promise<void> {
  store.dispatch(imageSelected(imageName));
  if (store.getState().gallery.metadata?.status === 'loaded') return;
  try {
    const metadata = await api.getImageMetadata(imageName);
    store.dispatch(imageMetadataLoaded({ imageName, metadata }));
  } catch (err) {
    store.dispatch(imageMetadataLoadFailed({ imageName, error: messageOf(err) }));
  }
}

/** Recall (or remix: all but the seed) of an image of outputs/images into the page's queue. */
export async function recallGalleryImage(store: Store, api: RecallApi, imageName: string, remix: boolean): Promise<void> {
  store.dispatch(fromImageRequested({ kind: remix ? 'remix' : 'recall', label: imageName }));
  try {
    const res = await api.recallFromImage(store.getState().queue.queueId, { imageName }, { remix });
    show(store, describeFromImageResult(res, imageName, false));
  } catch (err) {
    show(store, describeFromImageError(err, imageName));
  } finally {
    store.dispatch(fromImageFinished());
  }
}

/** What a dropped file list comes to: the file to send, or why none is sent. */
export type DroppedPick = { file: File; note: string | null } | { file: null; notice: NoticeContent | null };

/**
 * The first image among dropped files. A file the browser types as something other than an image is
 * refused here, without an upload; an untyped one goes to the server, which decides.
 */
export function pickDroppedImage(files: readonly File[]): DroppedPick {
  if (files.length === 0) return { file: null, notice: null };
  const file = files.find((f) => f.type === '' || f.type.startsWith('image/'));
  if (!file) {
    const text = files.length === 1 ? `${files[0]!.name} is not an image` : `None of the ${files.length} dropped files is an image`;
    return { file: null, notice: { kind: 'error', text, details: ['Drop a PNG, JPEG or WebP image.'] } };
  }
  return { file, note: files.length > 1 ? `${files.length} files were dropped; only ${file.name} was recalled` : null };
}

/** Uploads a dropped (or chosen) image file to from_image and recalls it; the gallery then shows it. */
export async function recallImageFile(store: Store, api: RecallApi, files: readonly File[]): Promise<void> {
  const pick = pickDroppedImage(files);
  if (!pick.file) {
    if (pick.notice) show(store, pick.notice);
    return;
  }
  const { file, note } = pick;
  store.dispatch(fromImageRequested({ kind: 'upload', label: file.name }));
  try {
    const res = await api.recallFromImage(store.getState().queue.queueId, { file, fileName: file.name });
    const notice = describeFromImageResult(res, file.name, true);
    show(store, { ...notice, details: note ? [...notice.details, note] : notice.details });
    // The upload is now an image of outputs/images: show it, selected, at the top of the gallery.
    if (store.getState().gallery.status !== 'idle') await loadGalleryPage(store, api, { more: false });
    await selectGalleryImage(store, api, res.image.image_name);
  } catch (err) {
    show(store, describeFromImageError(err, file.name, file.size));
  } finally {
    store.dispatch(fromImageFinished());
  }
}
