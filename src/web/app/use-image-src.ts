import { useCallback, useEffect, useState, type MouseEvent } from 'react';
import { useAppSelector } from './hooks.js';
import { logger } from './logging.js';
import { useSession } from './session-context.js';

const log = logger('app');

export type ImageSize = 'full' | 'thumbnail';

export interface ImageSource {
  /** For `<img src>`; undefined while an image fetched with the token is on its way. */
  src: string | undefined;
  /** The image could not be loaded (missing, or refused). */
  failed: boolean;
  /** For `<img onError>`. */
  onError(): void;
}

/**
 * Where an `<img>` gets an image of outputs/images. Without a token it is the image's own address,
 * at no extra cost. With one it is a `blob:` URL of the image fetched with the token (an `<img src>`
 * cannot send a header, and the token never goes into a URL), shared with other components showing
 * it and revoked when none does any more. A changed token loads the image again.
 */
export function useImageSrc(imageName: string | null, size: ImageSize): ImageSource {
  const { api, images } = useSession();
  const hasToken = useAppSelector((s) => s.auth.hasToken);
  const generation = useAppSelector((s) => s.auth.generation);
  const key = imageName ? `${size}|${generation}|${imageName}` : null;
  const [loaded, setLoaded] = useState<{ key: string; url: string } | null>(null);
  const [failedKey, setFailedKey] = useState<string | null>(null);

  useEffect(() => {
    if (!hasToken || !key || !imageName) return;
    const hold = images.acquire(key, (signal) => api.fetchImage(imageName, size, signal));
    let current = true;
    hold.url.then(
      (url) => current && setLoaded({ key, url }),
      (err: unknown) => {
        if (!current) return;
        log.debug({ imageName, error: String(err) }, 'Could not load image %s', imageName);
        setFailedKey(key);
      },
    );
    return () => {
      current = false;
      hold.release();
    };
  }, [api, images, hasToken, key, imageName, size]);

  const onError = useCallback(() => setFailedKey(key), [key]);
  if (!imageName) return { src: undefined, failed: false, onError };
  const failed = failedKey === key;
  if (!hasToken) return { src: api.imageUrl(imageName, size), failed, onError };
  return { src: loaded?.key === key ? loaded.url : undefined, failed, onError };
}

/** How long a full image opened in a new tab stays reachable by its `blob:` URL (the tab keeps showing it). */
const OPENED_IMAGE_TTL_MS = 60_000;

/**
 * An `onClick` for a link to a full image: without a token the link opens as usual; with one, the
 * image is fetched with the token and the new tab shows its `blob:` URL.
 */
export function useOpenFullImage(imageName: string): (e: MouseEvent<HTMLAnchorElement>) => void {
  const { api } = useSession();
  const hasToken = useAppSelector((s) => s.auth.hasToken);
  return useCallback(
    (e) => {
      if (!hasToken) return;
      e.preventDefault();
      // Opened now, while the click still counts as the user's, so no popup blocker stops it.
      const tab = window.open('', '_blank');
      api.fetchImage(imageName, 'full').then(
        (blob) => {
          const url = URL.createObjectURL(blob);
          if (tab) tab.location.href = url;
          setTimeout(() => URL.revokeObjectURL(url), OPENED_IMAGE_TTL_MS);
        },
        (err: unknown) => {
          tab?.close();
          log.warn({ imageName, error: String(err) }, 'Could not open image %s', imageName);
        },
      );
    },
    [api, hasToken, imageName],
  );
}
