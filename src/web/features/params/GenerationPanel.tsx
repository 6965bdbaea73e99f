import { SCHEDULER_NAMES } from '../../../shared/schedulers.js';
import { useAppDispatch, useAppSelector } from '../../app/hooks.js';
import { NumberInput, Panel, SelectField, Switch, TextArea } from '../../components/fields.js';
import { DiceIcon } from '../../components/icons.js';
import { ModelSelect } from '../../components/ModelSelect.js';
import { LIMITS } from '../../../shared/recall.js';
import { BASE_LABELS } from '../models/model-ref.js';
import { NUMBER_FIELDS } from './fields.js';
import { gridFor } from './grid.js';
import {
  mainModelSelected,
  numberChanged,
  promptChanged,
  schedulerSelected,
  seamlessChanged,
  seedRandomized,
  shouldRandomizeSeedChanged,
  vaeSelected,
} from './paramsSlice.js';
import { ParamNumber } from './ParamNumber.js';
import { RefinerSection } from './RefinerSection.js';
import { schedulerLabel } from './scheduler-label.js';
import { SizeControls } from './SizeControls.js';

const MAIN = ['main'] as const;
const VAE = ['vae'] as const;

const SCHEDULER_OPTIONS = SCHEDULER_NAMES.map((s) => ({ value: s, label: schedulerLabel(s) }));

function SeedControls() {
  const dispatch = useAppDispatch();
  const seed = useAppSelector((s) => s.params.values.seed);
  const randomize = useAppSelector((s) => s.params.shouldRandomizeSeed);
  const spec = NUMBER_FIELDS.seed;
  return (
    <div className="seed-row">
      <NumberInput label="Seed" value={seed} min={spec.min} max={spec.max} step={1} disabled={randomize} onCommit={(v) => dispatch(numberChanged({ field: 'seed', value: v }))} />
      <button type="button" className="icon-button" aria-label="New random seed" title="New random seed" onClick={() => dispatch(seedRandomized())}>
        <DiceIcon />
      </button>
      <Switch label="Random seed" checked={randomize} onChange={(v) => dispatch(shouldRandomizeSeedChanged(v))} />
    </div>
  );
}

export function GenerationPanel() {
  const dispatch = useAppDispatch();
  const params = useAppSelector((s) => s.params);
  const base = params.model?.base;
  return (
    <Panel title="Generation" className="generation-panel">
      <TextArea label="Positive prompt" rows={4} maxLength={LIMITS.promptChars} value={params.values.positive_prompt} onChange={(text) => dispatch(promptChanged({ which: 'positive', text }))} />
      <TextArea label="Negative prompt" rows={2} maxLength={LIMITS.promptChars} value={params.values.negative_prompt} onChange={(text) => dispatch(promptChanged({ which: 'negative', text }))} />

      <ModelSelect label="Main model" types={MAIN} value={params.model} onChange={(m) => dispatch(mainModelSelected(m))} />
      {params.model ? (
        <p className="model-meta">
          {BASE_LABELS[params.model.base] ?? params.model.base} · sizes in multiples of {gridFor(base)}
        </p>
      ) : null}
      <div className="grid-2">
        <ModelSelect label="VAE" types={VAE} value={params.vae} noneLabel="Default" mainModel={params.model} onChange={(m) => dispatch(vaeSelected(m))} />
        <SelectField label="Scheduler" value={params.values.scheduler} options={SCHEDULER_OPTIONS} onChange={(v) => dispatch(schedulerSelected(v))} />
      </div>

      <ParamNumber field="steps" slider />
      <ParamNumber field="cfg_scale" slider />
      <div className="grid-2">
        <ParamNumber field="cfg_rescale_multiplier" />
        <ParamNumber field="guidance" />
      </div>
      <SizeControls />
      <SeedControls />
      <div className="grid-2">
        <ParamNumber field="denoise_strength" />
        <ParamNumber field="clip_skip" />
      </div>
      <div className="grid-2 switches">
        <Switch label="Seamless X" checked={params.values.seamless_x} onChange={(enabled) => dispatch(seamlessChanged({ axis: 'x', enabled }))} />
        <Switch label="Seamless Y" checked={params.values.seamless_y} onChange={(enabled) => dispatch(seamlessChanged({ axis: 'y', enabled }))} />
      </div>
      <RefinerSection />
    </Panel>
  );
}
