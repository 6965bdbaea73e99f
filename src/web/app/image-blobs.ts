/**
 * Object URLs of images fetched with the token, shared by every component showing the same image
 * (a gallery thumbnail and its preview, a layer on the canvas and in its card) and revoked when the
 * last of them lets go, so the page neither fetches an image twice nor keeps blobs it no longer shows.
 */
export interface ImageBlobCache {
  /** A hold on the image under `key`; `load` runs only when no one holds it yet. */
  acquire(key: string, load: (signal: AbortSignal) => Promise<Blob>): ImageBlobHold;
  /** How many images are held (for tests and diagnostics). */
  readonly size: number;
}

export interface ImageBlobHold {
  /** The object URL; rejects when the image could not be loaded. */
  url: Promise<string>;
  /** Lets go; the last release revokes the URL, or aborts a load still running. */
  release(): void;
}

interface Entry {
  holders: number;
  url: Promise<string>;
  abort: AbortController;
}

export function createImageBlobCache(urls: Pick<typeof URL, 'createObjectURL' | 'revokeObjectURL'> = URL): ImageBlobCache {
  const entries = new Map<string, Entry>();

  return {
    acquire(key, load) {
      let entry = entries.get(key);
      if (!entry) {
        const abort = new AbortController();
        const url = load(abort.signal).then((blob) => urls.createObjectURL(blob));
        const created: Entry = { holders: 0, url, abort };
        // A failed load is not kept: the next component to show the image tries again.
        url.catch(() => {
          if (entries.get(key) === created) entries.delete(key);
        });
        entries.set(key, created);
        entry = created;
      }
      const held = entry;
      held.holders++;
      let released = false;
      return {
        url: held.url,
        release() {
          if (released) return;
          released = true;
          if (--held.holders > 0) return;
          if (entries.get(key) === held) entries.delete(key);
          held.abort.abort();
          held.url.then((u) => urls.revokeObjectURL(u), () => undefined);
        },
      };
    },
    get size() {
      return entries.size;
    },
  };
}
