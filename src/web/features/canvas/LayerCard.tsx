import { useId } from 'react';
import { CONTROL_MODES, type ControlMode } from '../../../shared/recall.js';
import { useAppDispatch, useAppSelector } from '../../app/hooks.js';
import { NumberInput, SelectField, Switch } from '../../components/fields.js';
import { ImageNameInput, ImageThumb } from '../../components/images.js';
import { ModelSelect } from '../../components/ModelSelect.js';
import { isCompatible } from '../models/model-ref.js';
import {
  ADAPTER_LABELS,
  CONTROL_WEIGHT,
  controlLayerModeChanged,
  controlLayerModelChanged,
  controlLayerStepRangeChanged,
  controlLayerWeightChanged,
  layerImageChanged,
  layerIsEnabledChanged,
  layerMoved,
  layerOpacityChanged,
  layerRemoved,
  type CanvasLayer,
  type ControlLayer,
} from './canvasSlice.js';

const CONTROL_TYPES = ['controlnet', 't2i_adapter', 'control_lora'] as const;
const MODE_LABELS: Record<ControlMode, string> = { balanced: 'Balanced', more_prompt: 'Prompt is more important', more_control: 'Control is more important' };
const MODE_OPTIONS = CONTROL_MODES.map((m) => ({ value: m, label: MODE_LABELS[m] }));

export const layerTitle = (layer: CanvasLayer): string =>
  layer.kind === 'control_layer' ? `${ADAPTER_LABELS[layer.adapter.type]} · ${layer.adapter.model?.name ?? 'no model'}` : `Raster · ${layer.image?.image_name ?? ''}`;

function ControlSettings({ layer }: { layer: ControlLayer }) {
  const dispatch = useAppDispatch();
  const main = useAppSelector((s) => s.params.model);
  const { adapter, id } = layer;
  const fits = !adapter.model || isCompatible(adapter.model.base, main);
  return (
    <>
      <ModelSelect label="Control model" types={CONTROL_TYPES} value={adapter.model} mainModel={main} onChange={(model) => dispatch(controlLayerModelChanged({ id, model }))} />
      {fits ? null : <p className="field-warning">This adapter is for another base than {main?.name}.</p>}
      <NumberInput label="Weight" value={adapter.weight} min={CONTROL_WEIGHT.min} max={CONTROL_WEIGHT.max} step={0.05} slider onCommit={(weight) => dispatch(controlLayerWeightChanged({ id, weight }))} />
      <div className="grid-2">
        <NumberInput label="Begin step" unit="%" value={Math.round(adapter.beginEndStepPct[0] * 100)} min={0} max={100} step={1} onCommit={(v) => dispatch(controlLayerStepRangeChanged({ id, end: 'begin', value: v / 100 }))} />
        <NumberInput label="End step" unit="%" value={Math.round(adapter.beginEndStepPct[1] * 100)} min={0} max={100} step={1} onCommit={(v) => dispatch(controlLayerStepRangeChanged({ id, end: 'end', value: v / 100 }))} />
      </div>
      {adapter.type === 'controlnet' ? (
        <SelectField label="Control mode" value={adapter.controlMode ?? 'balanced'} options={MODE_OPTIONS} onChange={(controlMode) => dispatch(controlLayerModeChanged({ id, controlMode }))} />
      ) : null}
    </>
  );
}

export function LayerCard({ layer, index, count }: { layer: CanvasLayer; index: number; count: number }) {
  const dispatch = useAppDispatch();
  const titleId = useId();
  const { id } = layer;
  const title = layerTitle(layer);
  return (
    <section className={`card layer-card ${layer.isEnabled ? '' : 'disabled'}`} aria-labelledby={titleId}>
      <header className="card-header">
        <h3 id={titleId}>
          <span className={`kind-tag ${layer.kind === 'control_layer' ? layer.adapter.type : 'raster'}`}>
            {layer.kind === 'control_layer' ? ADAPTER_LABELS[layer.adapter.type] : 'Raster'}
          </span>{' '}
          <span className="card-title-text">{layer.kind === 'control_layer' ? (layer.adapter.model?.name ?? 'No model') : (layer.image?.image_name ?? '')}</span>
          {layer.origin === 'recall' ? <span className="badge">recalled</span> : null}
        </h3>
        <div className="card-actions">
          <Switch label={`Show ${title}`} hideLabel checked={layer.isEnabled} onChange={(isEnabled) => dispatch(layerIsEnabledChanged({ id, isEnabled }))} />
          <button type="button" className="icon-button" aria-label={`Move ${title} up`} disabled={index === 0} onClick={() => dispatch(layerMoved({ id, direction: 'up' }))}>
            ↑
          </button>
          <button type="button" className="icon-button" aria-label={`Move ${title} down`} disabled={index === count - 1} onClick={() => dispatch(layerMoved({ id, direction: 'down' }))}>
            ↓
          </button>
          <button type="button" className="icon-button danger" aria-label={`Remove ${title}`} onClick={() => dispatch(layerRemoved(id))}>
            ✕
          </button>
        </div>
      </header>
      <div className="card-body">
        <div className="card-image">
          <ImageThumb image={layer.image} />
        </div>
        <div className="card-settings">
          {layer.kind === 'control_layer' ? <ControlSettings layer={layer} /> : null}
          <NumberInput label="Opacity" unit="%" value={Math.round(layer.opacity * 100)} min={0} max={100} step={1} slider onCommit={(v) => dispatch(layerOpacityChanged({ id, opacity: v / 100 }))} />
          {layer.kind === 'control_layer' ? <ImageNameInput label="Control image" buttonLabel="Set" onImage={(image) => dispatch(layerImageChanged({ id, image }))} /> : null}
        </div>
      </div>
    </section>
  );
}
