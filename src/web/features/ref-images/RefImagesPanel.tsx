import { useId, useMemo } from 'react';
import { IMAGE_INFLUENCES, IP_ADAPTER_METHODS, type ImageInfluence, type IpAdapterMethod } from '../../../shared/recall.js';
import { useAppDispatch, useAppSelector } from '../../app/hooks.js';
import { NumberInput, Panel, SelectField, Switch } from '../../components/fields.js';
import { ImageNameInput, ImageThumb } from '../../components/images.js';
import { ModelSelect } from '../../components/ModelSelect.js';
import { toModelRef } from '../models/model-ref.js';
import { modelsOfType, selectModelsByKey } from '../models/modelsSlice.js';
import { CLIP_VISION_MODELS, IP_ADAPTER_WEIGHT, modelFreeConfigFor, REF_IMAGE_LABELS, refImageMismatch, type RefImageConfig } from './ref-image-config.js';
import {
  refImageAdded,
  refImageClipVisionChanged,
  refImageImageChanged,
  refImageInfluenceChanged,
  refImageIsEnabledChanged,
  refImageMethodChanged,
  refImageModelChanged,
  refImageRemoved,
  refImageStepRangeChanged,
  refImageWeightChanged,
  type RefImage,
} from './refImagesSlice.js';

const ADAPTER_TYPES = ['ip_adapter', 'flux_redux'] as const;
const METHOD_LABELS: Record<IpAdapterMethod, string> = { full: 'Full', style: 'Style only', composition: 'Composition only' };
const METHOD_OPTIONS = IP_ADAPTER_METHODS.map((m) => ({ value: m, label: METHOD_LABELS[m] }));
const INFLUENCE_OPTIONS = IMAGE_INFLUENCES.map((i) => ({ value: i, label: i[0]!.toUpperCase() + i.slice(1) }));
const CLIP_OPTIONS = CLIP_VISION_MODELS.map((c) => ({ value: c, label: c }));

export const refImageTitle = (config: RefImageConfig): string =>
  config.type === 'ip_adapter' || config.type === 'flux_redux' ? `${REF_IMAGE_LABELS[config.type]} · ${config.model?.name ?? 'no model'}` : REF_IMAGE_LABELS[config.type];

function AdapterSettings({ entry }: { entry: RefImage }) {
  const dispatch = useAppDispatch();
  const main = useAppSelector((s) => s.params.model);
  const { id, config } = entry;
  if (config.type !== 'ip_adapter' && config.type !== 'flux_redux') {
    return <p className="model-meta">Read by the main model itself; no adapter model needed.</p>;
  }
  return (
    <>
      <ModelSelect label="Adapter model" types={ADAPTER_TYPES} value={config.model} mainModel={main} onChange={(model) => dispatch(refImageModelChanged({ id, model }))} />
      {config.type === 'flux_redux' ? (
        <SelectField label="Image influence" value={config.imageInfluence} options={INFLUENCE_OPTIONS} onChange={(v: ImageInfluence) => dispatch(refImageInfluenceChanged({ id, imageInfluence: v }))} />
      ) : (
        <>
          <NumberInput label="Weight" value={config.weight} min={IP_ADAPTER_WEIGHT.min} max={IP_ADAPTER_WEIGHT.max} step={0.05} slider onCommit={(weight) => dispatch(refImageWeightChanged({ id, weight }))} />
          <div className="grid-2">
            <NumberInput label="Begin step" unit="%" value={Math.round(config.beginEndStepPct[0] * 100)} min={0} max={100} step={1} onCommit={(v) => dispatch(refImageStepRangeChanged({ id, end: 'begin', value: v / 100 }))} />
            <NumberInput label="End step" unit="%" value={Math.round(config.beginEndStepPct[1] * 100)} min={0} max={100} step={1} onCommit={(v) => dispatch(refImageStepRangeChanged({ id, end: 'end', value: v / 100 }))} />
          </div>
          <div className="grid-2">
            <SelectField label="Method" value={config.method} options={METHOD_OPTIONS} onChange={(method) => dispatch(refImageMethodChanged({ id, method }))} />
            <SelectField
              label="CLIP Vision"
              value={config.clipVisionModel}
              options={CLIP_OPTIONS}
              disabled={config.model?.base === 'flux'}
              onChange={(clipVisionModel) => dispatch(refImageClipVisionChanged({ id, clipVisionModel }))}
            />
          </div>
        </>
      )}
    </>
  );
}

function RefImageCard({ entry }: { entry: RefImage }) {
  const dispatch = useAppDispatch();
  const main = useAppSelector((s) => s.params.model);
  const titleId = useId();
  const { id, config } = entry;
  const title = refImageTitle(config);
  const problem = refImageMismatch(config, main);
  return (
    <section className={`card ref-card ${entry.isEnabled ? '' : 'disabled'}`} aria-labelledby={titleId}>
      <header className="card-header">
        <h3 id={titleId}>
          <span className={`kind-tag ${config.type}`}>{REF_IMAGE_LABELS[config.type]}</span>{' '}
          {config.type === 'ip_adapter' || config.type === 'flux_redux' ? <span className="card-title-text">{config.model?.name ?? 'No model'}</span> : null}
        </h3>
        <div className="card-actions">
          <Switch label={`Enable ${title}`} hideLabel checked={entry.isEnabled} onChange={(isEnabled) => dispatch(refImageIsEnabledChanged({ id, isEnabled }))} />
          <button type="button" className="icon-button danger" aria-label={`Remove ${title}`} onClick={() => dispatch(refImageRemoved(id))}>
            ✕
          </button>
        </div>
      </header>
      {problem ? <p className="field-warning">{problem}</p> : null}
      <div className="card-body">
        <div className="card-image">
          <ImageThumb image={entry.image} />
        </div>
        <div className="card-settings">
          <AdapterSettings entry={entry} />
          <ImageNameInput label="Image" buttonLabel="Set" onImage={(image) => dispatch(refImageImageChanged({ id, image }))} />
        </div>
      </div>
    </section>
  );
}

export function RefImagesPanel() {
  const dispatch = useAppDispatch();
  const entries = useAppSelector((s) => s.refImages.entries);
  const main = useAppSelector((s) => s.params.model);
  const byKey = useAppSelector(selectModelsByKey);
  const ipAdapters = useMemo(() => modelsOfType(byKey, ['ip_adapter']).map(toModelRef), [byKey]);
  return (
    <Panel
      title={`Reference images${entries.length ? ` (${entries.length})` : ''}`}
      className="ref-images-panel"
      actions={
        <button type="button" title="Add a reference image; its kind follows the main model" onClick={() => dispatch(refImageAdded(modelFreeConfigFor(main, ipAdapters)))}>
          + Add
        </button>
      }
    >
      {entries.length === 0 ? <p className="empty">No reference images.</p> : null}
      <div className="ref-list" role="list" aria-label="Reference images">
        {entries.map((e) => (
          <div role="listitem" key={e.id}>
            <RefImageCard entry={e} />
          </div>
        ))}
      </div>
    </Panel>
  );
}
