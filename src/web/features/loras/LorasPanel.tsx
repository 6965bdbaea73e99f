import { useAppDispatch, useAppSelector } from '../../app/hooks.js';
import { NumberInput, Panel, Switch } from '../../components/fields.js';
import { ModelSelect } from '../../components/ModelSelect.js';
import { BASE_LABELS, isCompatible } from '../models/model-ref.js';
import { LORA_WEIGHT, loraAdded, loraIsEnabledChanged, loraRemoved, loraWeightChanged, type LoraEntry } from './lorasSlice.js';

const LORA = ['lora'] as const;

function LoraRow({ lora }: { lora: LoraEntry }) {
  const dispatch = useAppDispatch();
  const main = useAppSelector((s) => s.params.model);
  const fits = isCompatible(lora.model.base, main);
  const name = lora.model.name;
  return (
    <li className={`lora-row ${lora.isEnabled ? '' : 'disabled'}`} aria-label={`LoRA ${name}`}>
      <div className="lora-title">
        <span className="lora-name" title={name}>
          {name}
        </span>
        <span className={`badge ${fits ? '' : 'badge-warn'}`} title={fits ? undefined : `Not for ${main?.name}: it will be skipped`}>
          {BASE_LABELS[lora.model.base] ?? lora.model.base}
          {fits ? '' : ' · other base'}
        </span>
      </div>
      <div className="lora-controls">
        <NumberInput label={`Weight of ${name}`} value={lora.weight} min={LORA_WEIGHT.min} max={LORA_WEIGHT.max} step={0.05} slider sliderMax={2} onCommit={(weight) => dispatch(loraWeightChanged({ id: lora.id, weight }))} />
        <Switch label={`Enable ${name}`} hideLabel checked={lora.isEnabled} onChange={(isEnabled) => dispatch(loraIsEnabledChanged({ id: lora.id, isEnabled }))} />
        <button type="button" className="icon-button danger" aria-label={`Remove ${name}`} title="Remove" onClick={() => dispatch(loraRemoved(lora.id))}>
          ✕
        </button>
      </div>
    </li>
  );
}

export function LorasPanel() {
  const dispatch = useAppDispatch();
  const loras = useAppSelector((s) => s.loras.loras);
  const main = useAppSelector((s) => s.params.model);
  const enabled = loras.filter((l) => l.isEnabled).length;
  return (
    <Panel title={`LoRAs${loras.length ? ` (${enabled}/${loras.length})` : ''}`} className="loras-panel">
      {loras.length === 0 ? <p className="empty">No LoRAs.</p> : null}
      <ul className="lora-list" aria-label="LoRAs">
        {loras.map((l) => (
          <LoraRow key={l.id} lora={l} />
        ))}
      </ul>
      <ModelSelect label="Add LoRA" types={LORA} value={null} noneLabel="Add a LoRA…" mainModel={main} className="add-select" onChange={(m) => m && dispatch(loraAdded(m))} />
    </Panel>
  );
}
