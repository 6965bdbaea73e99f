import { useAppDispatch, useAppSelector } from '../../app/hooks.js';
import { NumberInput } from '../../components/fields.js';
import { NUMBER_FIELDS, type NumberField } from './fields.js';
import { numberChanged } from './paramsSlice.js';

/** A numeric parameter bound to its slice field and spec. */
export function ParamNumber({ field, slider, disabled }: { field: Exclude<NumberField, 'width' | 'height'>; slider?: boolean; disabled?: boolean }) {
  const dispatch = useAppDispatch();
  const value = useAppSelector((s) => s.params.values[field]);
  const spec = NUMBER_FIELDS[field];
  return (
    <NumberInput
      label={spec.label}
      value={value}
      min={spec.min}
      max={spec.max}
      step={spec.step}
      slider={slider}
      sliderMax={'sliderMax' in spec ? spec.sliderMax : undefined}
      disabled={disabled}
      onCommit={(v) => dispatch(numberChanged({ field, value: v }))}
    />
  );
}

