import { combineReducers, configureStore } from '@reduxjs/toolkit';
import { authSlice } from '../features/auth/authSlice.js';
import { canvasSlice } from '../features/canvas/canvasSlice.js';
import { gallerySlice } from '../features/gallery/gallerySlice.js';
import { lorasSlice } from '../features/loras/lorasSlice.js';
import { modelsSlice } from '../features/models/modelsSlice.js';
import { noticesSlice } from '../features/notices/noticesSlice.js';
import { paramsSlice } from '../features/params/paramsSlice.js';
import { initialQueueState, queueSlice } from '../features/queue/queueSlice.js';
import { refImagesSlice } from '../features/ref-images/refImagesSlice.js';

/** One slice per concern (STYLE.md "Layout"). */
export const rootReducer = combineReducers({
  queue: queueSlice.reducer,
  models: modelsSlice.reducer,
  params: paramsSlice.reducer,
  loras: lorasSlice.reducer,
  canvas: canvasSlice.reducer,
  refImages: refImagesSlice.reducer,
  notices: noticesSlice.reducer,
  gallery: gallerySlice.reducer,
  auth: authSlice.reducer,
});

export type RootState = ReturnType<typeof rootReducer>;

export function createAppStore(queueId?: string) {
  const preloaded = queueId ? { queue: initialQueueState(queueId) } : undefined;
  return configureStore({ reducer: rootReducer, ...(preloaded ? { preloadedState: preloaded } : {}) });
}

export type AppStore = ReturnType<typeof createAppStore>;
export type AppDispatch = AppStore['dispatch'];
