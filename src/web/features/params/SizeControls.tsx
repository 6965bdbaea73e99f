import { useAppDispatch, useAppSelector } from '../../app/hooks.js';
import { NumberInput, SelectField } from '../../components/fields.js';
import { LockIcon, SwapIcon, UnlockIcon } from '../../components/icons.js';
import { ASPECT_RATIO_IDS } from './aspect-ratio.js';
import { NUMBER_FIELDS } from './fields.js';
import { gridFor } from './grid.js';
import { aspectRatioLockToggled, aspectRatioSelected, dimensionsSwapped, heightChanged, widthChanged } from './paramsSlice.js';

const RATIO_OPTIONS = ASPECT_RATIO_IDS.map((id) => ({ value: id, label: id === 'free' ? 'Free' : id }));

/** Width, height and aspect ratio; sizes snap to the main model's grid when committed. */
export function SizeControls() {
  const dispatch = useAppDispatch();
  const { width, height } = useAppSelector((s) => s.params.values);
  const aspect = useAppSelector((s) => s.params.aspectRatio);
  const grid = gridFor(useAppSelector((s) => s.params.model?.base));
  return (
    <fieldset className="size-controls">
      <legend>Size</legend>
      <div className="size-row">
        <SelectField label="Aspect ratio" value={aspect.id} options={RATIO_OPTIONS} onChange={(id) => dispatch(aspectRatioSelected(id))} />
        <button
          type="button"
          className={`icon-button ${aspect.isLocked ? 'active' : ''}`}
          aria-pressed={aspect.isLocked}
          aria-label="Lock aspect ratio"
          title={aspect.isLocked ? 'Aspect ratio locked' : 'Lock aspect ratio'}
          onClick={() => dispatch(aspectRatioLockToggled())}
        >
          {aspect.isLocked ? <LockIcon /> : <UnlockIcon />}
        </button>
        <button type="button" className="icon-button" aria-label="Swap width and height" title="Swap width and height" onClick={() => dispatch(dimensionsSwapped())}>
          <SwapIcon />
        </button>
      </div>
      <div className="grid-2">
        <NumberInput label="Width" value={width} min={NUMBER_FIELDS.width.min} max={NUMBER_FIELDS.width.max} step={grid} commitWhileTyping={false} unit="px" onCommit={(v) => dispatch(widthChanged(v))} />
        <NumberInput label="Height" value={height} min={NUMBER_FIELDS.height.min} max={NUMBER_FIELDS.height.max} step={grid} commitWhileTyping={false} unit="px" onCommit={(v) => dispatch(heightChanged(v))} />
      </div>
    </fieldset>
  );
}
