import type { ReactNode } from 'react';
import { useAppSelector } from '../../app/hooks.js';
import { useImageSrc, useOpenFullImage } from '../../app/use-image-src.js';
import { describeMetadata, formatBytes, type MetadataRow } from './describe-metadata.js';
import type { MetadataView as MetadataState } from './gallerySlice.js';
import { useGallery } from './use-gallery.js';

function Rows({ rows, wide = false }: { rows: MetadataRow[]; wide?: boolean }) {
  return (
    <dl className={wide ? 'meta-rows meta-rows-wide' : 'meta-rows'}>
      {rows.map((r) => (
        <div key={r.label} className="meta-row">
          <dt>{r.label}</dt>
          <dd>{r.value}</dd>
        </div>
      ))}
    </dl>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="meta-section" aria-label={title}>
      <h4>{title}</h4>
      {children}
    </section>
  );
}

function List({ title, items }: { title: string; items: string[] }) {
  if (items.length === 0) return null;
  return (
    <Section title={`${title} (${items.length})`}>
      <ul className="meta-list">
        {items.map((t, i) => (
          <li key={i}>{t}</li>
        ))}
      </ul>
    </Section>
  );
}

function Unmapped({ rows, title }: { rows: MetadataRow[]; title: string }) {
  if (rows.length === 0) return null;
  return (
    <details className="meta-unmapped">
      <summary>
        {title} ({rows.length})
      </summary>
      <Rows rows={rows} wide />
    </details>
  );
}

/** Everything the image's metadata says, in the gallery's own sections. */
function MetadataBody({ view }: { view: MetadataState }) {
  if (view.status === 'loading') return <p className="meta-status">Reading metadata…</p>;
  if (view.status === 'failed') {
    return (
      <p className="meta-status field-error" role="alert">
        {view.error}
      </p>
    );
  }
  const m = view.metadata;
  if (m.status === 'none') {
    return (
      <>
        <p className="meta-status">No generation metadata in this image: there is nothing to recall.</p>
        <Unmapped title="Text it carries" rows={Object.entries(m.unmapped).map(([label, v]) => ({ label, value: typeof v === 'string' ? v : JSON.stringify(v) }))} />
      </>
    );
  }
  const d = describeMetadata(m);
  return (
    <>
      <p className="meta-source">
        Written by <strong>{d.source}</strong>
      </p>
      {d.positivePrompt !== null || d.negativePrompt !== null ? (
        <Section title="Prompts">
          {d.positivePrompt !== null ? (
            <div className="meta-prompt">
              <span className="meta-label">Positive</span>
              <p>{d.positivePrompt || '(empty)'}</p>
            </div>
          ) : null}
          {d.negativePrompt !== null ? (
            <div className="meta-prompt">
              <span className="meta-label">Negative</span>
              <p>{d.negativePrompt || '(empty)'}</p>
            </div>
          ) : null}
        </Section>
      ) : null}
      {d.settings.length ? (
        <Section title="Settings">
          <Rows rows={d.settings} />
        </Section>
      ) : null}
      {d.refiner.length ? (
        <Section title="Refiner">
          <Rows rows={d.refiner} />
        </Section>
      ) : null}
      <List title="LoRAs" items={d.loras} />
      <List title="Control layers" items={d.controlLayers} />
      <List title="Reference images" items={d.referenceImages} />
      <List title="Model hashes" items={d.modelHashes} />
      <Unmapped title="Not mapped to a recall setting" rows={d.unmapped} />
    </>
  );
}

/** The selected image's thumbnail, linking to the full image. */
function Preview({ name }: { name: string }) {
  const { imageUrl } = useGallery();
  const img = useImageSrc(name, 'thumbnail');
  const open = useOpenFullImage(name);
  return (
    <a href={imageUrl(name, 'full')} target="_blank" rel="noreferrer" title="Open the full image in a new tab" onClick={open}>
      <img src={img.src} alt={name} onError={img.onError} />
    </a>
  );
}

/** The selected image: preview, Recall and Remix, and what its metadata says. */
export function SelectedImage() {
  const gallery = useAppSelector((s) => s.gallery);
  const { recall } = useGallery();
  const name = gallery.selected;
  if (!name) return <p className="meta-status">Select an image to see how it was made.</p>;
  const image = gallery.images.find((i) => i.image_name === name);
  const view = gallery.metadata?.imageName === name ? gallery.metadata : ({ status: 'loading', imageName: name } as const);
  const recallable = view.status === 'loaded' && view.metadata.status === 'found';
  const sending = gallery.sending;
  return (
    <div className="gallery-details-inner">
      <div className="meta-preview">
        <Preview name={name} />
      </div>
      <h3 className="meta-name" title={name}>
        {name}
      </h3>
      <p className="meta-facts">
        {image ? `${image.width} × ${image.height} · ${image.format.toUpperCase()} · ${formatBytes(image.file_size)}` : null}
        {view.status === 'loaded' && !image ? `${view.metadata.width} × ${view.metadata.height} · ${view.metadata.format.toUpperCase()}` : null}
      </p>
      <div className="meta-actions">
        <button type="button" className="primary" disabled={!recallable || sending !== null} onClick={() => void recall(name, false)} aria-describedby="recall-hint">
          Recall
        </button>
        <button type="button" disabled={!recallable || sending !== null} onClick={() => void recall(name, true)} aria-describedby="remix-hint">
          Remix
        </button>
        <span className="meta-sending" role="status">
          {sending ? `${sending.kind === 'remix' ? 'Remixing' : 'Recalling'} ${sending.label}…` : ''}
        </span>
      </div>
      <p className="hint meta-hint">
        <span id="recall-hint">Recall sends every setting to this queue;</span> <span id="remix-hint">Remix sends all but the seed, for a variation.</span>
      </p>
      <MetadataBody view={view} />
    </div>
  );
}
