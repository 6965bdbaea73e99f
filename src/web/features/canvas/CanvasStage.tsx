import { useAppSelector } from '../../app/hooks.js';
import { useImageSrc } from '../../app/use-image-src.js';
import type { CanvasLayer } from './canvasSlice.js';

function StageLayer({ layer }: { layer: CanvasLayer & { image: NonNullable<CanvasLayer['image']> } }) {
  const img = useImageSrc(layer.image.image_name, 'full');
  return img.failed ? null : <img className={`stage-layer ${layer.kind}`} src={img.src} alt="" style={{ opacity: layer.opacity }} draggable={false} onError={img.onError} />;
}

/**
 * The generation box at the chosen size with every visible layer drawn in it, bottom layer first,
 * each image fitted into the box as InvokeAI fits a dropped control image.
 */
export function CanvasStage() {
  const layers = useAppSelector((s) => s.canvas.layers);
  const { width, height } = useAppSelector((s) => s.params.values);
  const visible = layers.filter((l): l is CanvasLayer & { image: NonNullable<CanvasLayer['image']> } => l.isEnabled && l.image !== null);
  return (
    <div className="stage-wrap">
      <div className="stage" style={{ aspectRatio: `${width} / ${height}` }} role="img" aria-label={`Canvas ${width} × ${height} with ${visible.length} visible ${visible.length === 1 ? 'layer' : 'layers'}`}>
        {[...visible].reverse().map((l) => (
          <StageLayer key={l.id} layer={l} />
        ))}
        <span className="stage-size">
          {width} × {height}
        </span>
      </div>
    </div>
  );
}
