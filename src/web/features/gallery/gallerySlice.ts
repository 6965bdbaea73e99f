import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { ImageRecord } from '../../../shared/images.js';
import type { ImageMetadataResponse } from '../../../shared/metadata.js';

/** What the gallery shows of an image of outputs/images. */
export type GalleryImage = Pick<ImageRecord, 'image_name' | 'width' | 'height' | 'format' | 'file_size'>;

export type MetadataView =
  | { status: 'loading'; imageName: string }
  | { status: 'loaded'; imageName: string; metadata: ImageMetadataResponse }
  | { status: 'failed'; imageName: string; error: string };

/** A from_image call in flight: a recall or remix of a gallery image, or an uploaded (dropped) file. */
export interface FromImageInFlight {
  kind: 'recall' | 'remix' | 'upload';
  /** The image's name, or the dropped file's. */
  label: string;
}

export interface GalleryState {
  open: boolean;
  /** Loaded pages of outputs/images, newest first, each image once. */
  images: GalleryImage[];
  /** How many images the server has (as of the last page read). */
  total: number;
  status: 'idle' | 'loading' | 'loaded' | 'failed';
  error: string | null;
  /** The page request whose answer counts; answers to older requests (before a refresh) are dropped. */
  requestId: string | null;
  selected: string | null;
  metadata: MetadataView | null;
  sending: FromImageInFlight | null;
}

/** Thumbnails per page: two screens of the drawer's grid. */
export const GALLERY_PAGE_SIZE = 40;

const initialState: GalleryState = {
  open: false,
  images: [],
  total: 0,
  status: 'idle',
  error: null,
  requestId: null,
  selected: null,
  metadata: null,
  sending: null,
};

const toGalleryImage = ({ image_name, width, height, format, file_size }: ImageRecord): GalleryImage => ({ image_name, width, height, format, file_size });

export const gallerySlice = createSlice({
  name: 'gallery',
  initialState,
  reducers: {
    galleryOpened(state) {
      state.open = true;
    },
    galleryClosed(state) {
      state.open = false;
    },
    /** A page was asked for: offset 0 starts the list over (a refresh), any other offset continues it. */
    galleryPageRequested(state, action: PayloadAction<{ requestId: string; offset: number }>) {
      state.status = 'loading';
      state.error = null;
      state.requestId = action.payload.requestId;
    },
    galleryPageLoaded(state, action: PayloadAction<{ requestId: string; offset: number; items: ImageRecord[]; total: number }>) {
      const { requestId, offset, items, total } = action.payload;
      if (requestId !== state.requestId) return;
      const page = items.map(toGalleryImage);
      // Images written since the last page shift the offsets: an image may come again; keep it once.
      const kept = offset === 0 ? [] : state.images;
      const seen = new Set(kept.map((i) => i.image_name));
      state.images = [...kept, ...page.filter((i) => !seen.has(i.image_name) && seen.add(i.image_name))];
      state.total = Math.max(total, state.images.length);
      state.status = 'loaded';
      state.requestId = null;
    },
    galleryPageLoadFailed(state, action: PayloadAction<{ requestId: string; error: string }>) {
      if (action.payload.requestId !== state.requestId) return;
      state.status = 'failed';
      state.error = action.payload.error;
      state.requestId = null;
    },
    imageSelected(state, action: PayloadAction<string>) {
      state.selected = action.payload;
      if (state.metadata?.imageName !== action.payload) state.metadata = { status: 'loading', imageName: action.payload };
    },
    imageMetadataLoaded(state, action: PayloadAction<{ imageName: string; metadata: ImageMetadataResponse }>) {
      if (state.selected !== action.payload.imageName) return;
      state.metadata = { status: 'loaded', ...action.payload };
    },
    imageMetadataLoadFailed(state, action: PayloadAction<{ imageName: string; error: string }>) {
      if (state.selected !== action.payload.imageName) return;
      state.metadata = { status: 'failed', ...action.payload };
    },
    fromImageRequested(state, action: PayloadAction<FromImageInFlight>) {
      state.sending = action.payload;
    },
    fromImageFinished(state) {
      state.sending = null;
    },
  },
});

export const {
  galleryOpened,
  galleryClosed,
  galleryPageRequested,
  galleryPageLoaded,
  galleryPageLoadFailed,
  imageSelected,
  imageMetadataLoaded,
  imageMetadataLoadFailed,
  fromImageRequested,
  fromImageFinished,
} = gallerySlice.actions;

/** Whether the server has images beyond the loaded pages. */
export const hasMoreImages = (s: GalleryState): boolean => s.images.length < s.total;
