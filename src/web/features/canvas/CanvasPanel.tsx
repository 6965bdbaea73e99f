import { useAppDispatch, useAppSelector } from '../../app/hooks.js';
import { Panel } from '../../components/fields.js';
import { ImageNameInput } from '../../components/images.js';
import { CanvasStage } from './CanvasStage.js';
import { controlLayerAdded, rasterLayerAdded } from './canvasSlice.js';
import { LayerCard } from './LayerCard.js';

/** The canvas: a preview of the layers at the generation size, and the layer list, top layer first. */
export function CanvasPanel() {
  const dispatch = useAppDispatch();
  const layers = useAppSelector((s) => s.canvas.layers);
  return (
    <Panel
      title={`Canvas${layers.length ? ` (${layers.length} ${layers.length === 1 ? 'layer' : 'layers'})` : ''}`}
      className="canvas-panel"
      actions={
        <button type="button" onClick={() => dispatch(controlLayerAdded())}>
          + Control layer
        </button>
      }
    >
      <CanvasStage />
      <div className="layer-list" role="list" aria-label="Layers">
        {layers.length === 0 ? <p className="empty">No layers. Recalled control layers appear here with their images.</p> : null}
        {layers.map((l, i) => (
          <div role="listitem" key={l.id}>
            <LayerCard layer={l} index={i} count={layers.length} />
          </div>
        ))}
      </div>
      <div className="add-raster">
        <ImageNameInput label="Add an image as a raster layer" buttonLabel="Add layer" onImage={(image) => dispatch(rasterLayerAdded(image))} />
      </div>
    </Panel>
  );
}
