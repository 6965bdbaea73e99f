import { describe, expect, it } from 'vitest';
import type { ImageRecord } from '../../../shared/images.js';
import type { ImageMetadataResponse } from '../../../shared/metadata.js';
import { createAppStore } from '../../app/store.js';
import {
  galleryPageLoaded,
  galleryPageLoadFailed,
  galleryPageRequested,
  hasMoreImages,
  imageMetadataLoaded,
  imageMetadataLoadFailed,
  imageSelected,
} from './gallerySlice.js';

const record = (image_name: string): ImageRecord => ({
  image_name,
  image_url: `/api/v1/images/i/${image_name}/full`,
  thumbnail_url: `/api/v1/images/i/${image_name}/thumbnail`,
  image_origin: 'internal',
  image_category: 'general',
  width: 64,
  height: 48,
  created_at: '',
  updated_at: '',
  deleted_at: null,
  is_intermediate: false,
  session_id: null,
  node_id: null,
  starred: false,
  has_workflow: false,
  board_id: null,
  file_size: 100,
  format: 'png',
});

const none: ImageMetadataResponse = { status: 'none', format: 'png', width: 64, height: 48, message: 'no generation metadata found', unmapped: {} };
const names = (store: ReturnType<typeof createAppStore>) => store.getState().gallery.images.map((i) => i.image_name);

describe('gallery slice', () => {
  it('appends pages in order and keeps an image that comes again (offsets shifted by a new image) once', () => {
    const store = createAppStore();
    store.dispatch(galleryPageRequested({ requestId: 'a', offset: 0 }));
    store.dispatch(galleryPageLoaded({ requestId: 'a', offset: 0, items: [record('c.png'), record('b.png')], total: 3 }));
    expect(hasMoreImages(store.getState().gallery)).toBe(true);
    store.dispatch(galleryPageRequested({ requestId: 'b', offset: 2 }));
    store.dispatch(galleryPageLoaded({ requestId: 'b', offset: 2, items: [record('b.png'), record('a.png')], total: 4 }));
    expect(names(store)).toEqual(['c.png', 'b.png', 'a.png']);
    expect(store.getState().gallery).toMatchObject({ total: 4, status: 'loaded', requestId: null });
    expect(store.getState().gallery.images[0]).toEqual({ image_name: 'c.png', width: 64, height: 48, format: 'png', file_size: 100 });
  });

  it('starts over on a refresh, and drops the answer to a request the refresh replaced', () => {
    const store = createAppStore();
    store.dispatch(galleryPageRequested({ requestId: 'a', offset: 0 }));
    store.dispatch(galleryPageLoaded({ requestId: 'a', offset: 0, items: [record('old.png')], total: 2 }));
    store.dispatch(galleryPageRequested({ requestId: 'more', offset: 1 }));
    store.dispatch(galleryPageRequested({ requestId: 'refresh', offset: 0 }));
    store.dispatch(galleryPageLoaded({ requestId: 'more', offset: 1, items: [record('stale.png')], total: 2 }));
    expect(names(store)).toEqual(['old.png']);
    expect(store.getState().gallery.status).toBe('loading');
    store.dispatch(galleryPageLoaded({ requestId: 'refresh', offset: 0, items: [record('new.png'), record('old.png')], total: 2 }));
    expect(names(store)).toEqual(['new.png', 'old.png']);
    expect(hasMoreImages(store.getState().gallery)).toBe(false);
  });

  it('reports a failed page only for the request that counts', () => {
    const store = createAppStore();
    store.dispatch(galleryPageRequested({ requestId: 'a', offset: 0 }));
    store.dispatch(galleryPageLoadFailed({ requestId: 'older', error: 'ignored' }));
    expect(store.getState().gallery.status).toBe('loading');
    store.dispatch(galleryPageLoadFailed({ requestId: 'a', error: 'Cannot reach the server' }));
    expect(store.getState().gallery).toMatchObject({ status: 'failed', error: 'Cannot reach the server' });
  });

  it("keeps the selected image's metadata, and drops answers about an image no longer selected", () => {
    const store = createAppStore();
    store.dispatch(imageSelected('a.png'));
    expect(store.getState().gallery.metadata).toEqual({ status: 'loading', imageName: 'a.png' });
    store.dispatch(imageSelected('b.png'));
    store.dispatch(imageMetadataLoaded({ imageName: 'a.png', metadata: none }));
    expect(store.getState().gallery.metadata).toEqual({ status: 'loading', imageName: 'b.png' });
    store.dispatch(imageMetadataLoaded({ imageName: 'b.png', metadata: none }));
    expect(store.getState().gallery.metadata).toEqual({ status: 'loaded', imageName: 'b.png', metadata: none });
    // Selecting the same image again keeps what was read.
    store.dispatch(imageSelected('b.png'));
    expect(store.getState().gallery.metadata?.status).toBe('loaded');
    store.dispatch(imageSelected('c.png'));
    store.dispatch(imageMetadataLoadFailed({ imageName: 'c.png', error: 'cannot read the metadata of c.png: truncated' }));
    expect(store.getState().gallery.metadata).toEqual({ status: 'failed', imageName: 'c.png', error: 'cannot read the metadata of c.png: truncated' });
  });
});
