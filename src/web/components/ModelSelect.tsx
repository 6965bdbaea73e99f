import { useId, useMemo } from 'react';
import type { ModelType } from '../../shared/models.js';
import { useAppSelector } from '../app/hooks.js';
import { BASE_LABELS, isCompatible, toModelRef, type ModelRef } from '../features/models/model-ref.js';
import { modelsOfType, selectModelsByKey } from '../features/models/modelsSlice.js';

export interface ModelSelectProps {
  label: string;
  types: readonly ModelType[];
  value: ModelRef | null;
  onChange(model: ModelRef | null): void;
  /** Label of the empty choice; without it the empty choice is only shown while nothing is chosen. */
  noneLabel?: string;
  /** Models of other bases than this main model's are listed after the fitting ones, marked. */
  mainModel?: ModelRef | null;
  className?: string;
}

/**
 * A picker of registry models, grouped by base. A chosen model the registry no longer lists (it
 * came with a recall or a saved state) stays visible, marked, instead of silently vanishing.
 */
export function ModelSelect({ label, types, value, onChange, noneLabel, mainModel, className }: ModelSelectProps) {
  const id = useId();
  const byKey = useAppSelector(selectModelsByKey);
  const models = useMemo(() => modelsOfType(byKey, types), [byKey, types]);
  const groups = useMemo(() => {
    const map = new Map<string, typeof models>();
    const ordered = mainModel === undefined ? models : [...models].sort((a, b) => Number(!isCompatible(a.base, mainModel)) - Number(!isCompatible(b.base, mainModel)));
    for (const m of ordered) map.set(m.base, [...(map.get(m.base) ?? []), m]);
    return [...map.entries()];
  }, [models, mainModel]);
  const known = value ? models.some((m) => m.key === value.key) : true;
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value?.key ?? ''}
        onChange={(e) => {
          const m = byKey[e.target.value];
          onChange(m ? toModelRef(m) : null);
        }}
      >
        {noneLabel !== undefined || !value ? <option value="">{noneLabel ?? 'Choose a model…'}</option> : null}
        {!known && value ? (
          <option value={value.key}>
            {value.name} (not installed)
          </option>
        ) : null}
        {groups.map(([base, list]) => (
          <optgroup key={base} label={`${BASE_LABELS[base] ?? base}${mainModel && !isCompatible(base as ModelRef['base'], mainModel) ? ' — other base' : ''}`}>
            {list.map((m) => (
              <option key={m.key} value={m.key}>
                {m.name}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
    </div>
  );
}
