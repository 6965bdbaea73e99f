import { useAppSelector } from '../../app/hooks.js';
import { useSession } from '../../app/session-context.js';
import type { CanvasLayer } from './canvasSlice.js';

/**
 * The generation box at the chosen size with every visible layer drawn in it, bottom layer first,
 * each image fitted into the box as InvokeAI fits a dropped control image.
 */
export function CanvasStage() {
  const { api } = useSession();
  const layers = useAppSelector((s) => s.canvas.layers);
  const { width, height } = useAppSelector((s) => s.params.values);
  const visible = layers.filter((l): l is CanvasLayer & { image: NonNullable<CanvasLayer['image']> } => l.isEnabled && l.image !== null);
  return (
    <div className="stage-wrap">
      <div className="stage" style={{ aspectRatio: `${width} / ${height}` }} role="img" aria-label={`Canvas ${width} × ${height} with ${visible.length} visible ${visible.length === 1 ? 'layer' : 'layers'}`}>
        {[...visible].reverse().map((l) => (
          <img key={l.id} className={`stage-layer ${l.kind}`} src={api.imageUrl(l.image.image_name, 'full')} alt="" style={{ opacity: l.opacity }} draggable={false} />
        ))}
        <span className="stage-size">
          {width} × {height}
        </span>
      </div>
    </div>
  );
}
