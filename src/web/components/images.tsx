import { useId, useState } from 'react';
import type { ImageRef } from '../../shared/images.js';
import { zImageName } from '../../shared/images.js';
import { useSession } from '../app/session-context.js';
import { useImageSrc } from '../app/use-image-src.js';

/** A thumbnail with the image's name as its accessible name; a missing file says so. */
export function ImageThumb({ image, size = 'thumbnail' }: { image: ImageRef | null; size?: 'thumbnail' | 'full' }) {
  const img = useImageSrc(image?.image_name ?? null, size);
  if (!image) return <div className="thumb thumb-empty">No image</div>;
  if (img.failed) return <div className="thumb thumb-empty">Image missing</div>;
  return (
    <figure className="thumb">
      <img src={img.src} alt={image.image_name} loading="lazy" onError={img.onError} />
      <figcaption title={image.image_name}>
        <span className="image-name">{image.image_name}</span>
        <span className="image-size">
          {image.width}×{image.height}
        </span>
      </figcaption>
    </figure>
  );
}

/** Names an image of outputs/images; the server confirms it exists and tells its size. */
export function ImageNameInput({ label, onImage, buttonLabel = 'Use image' }: { label: string; onImage(image: ImageRef): void; buttonLabel?: string }) {
  const { api } = useSession();
  const id = useId();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [suggestions, setSuggestions] = useState<string[] | null>(null);
  const loadSuggestions = () => {
    if (suggestions) return;
    setSuggestions([]);
    api.listImageNames().then(setSuggestions, () => setSuggestions(null));
  };
  const submit = async () => {
    const parsed = zImageName.safeParse(name.trim());
    if (!parsed.success) {
      setError(`Not a valid image name: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return;
    }
    setBusy(true);
    try {
      const record = await api.getImage(parsed.data);
      if (!record) setError(`No image named ${parsed.data} in outputs/images`);
      else {
        onImage({ image_name: record.image_name, width: record.width, height: record.height });
        setName('');
        setError(null);
      }
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="image-name-input"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        placeholder="image.png"
        list={`${id}-names`}
        value={name}
        onFocus={loadSuggestions}
        onChange={(e) => setName(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-err` : undefined}
      />
      <datalist id={`${id}-names`}>
        {suggestions?.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      <button type="submit" disabled={busy || !name.trim()}>
        {buttonLabel}
      </button>
      {error ? (
        <p id={`${id}-err`} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
