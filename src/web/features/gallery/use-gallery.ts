import { useMemo } from 'react';
import { useAppStore } from '../../app/hooks.js';
import { useSession } from '../../app/session-context.js';
import { loadGalleryPage, recallGalleryImage, recallImageFile, selectGalleryImage } from './gallery-actions.js';

/** The gallery's actions, bound to this page's store and server. */
export function useGallery() {
  const store = useAppStore();
  const { api } = useSession();
  return useMemo(
    () => ({
      refresh: () => loadGalleryPage(store, api, { more: false }),
      loadMore: () => loadGalleryPage(store, api, { more: true }),
      select: (imageName: string) => selectGalleryImage(store, api, imageName),
      recall: (imageName: string, remix: boolean) => recallGalleryImage(store, api, imageName, remix),
      recallFiles: (files: readonly File[]) => recallImageFile(store, api, files),
      imageUrl: api.imageUrl,
    }),
    [store, api],
  );
}
