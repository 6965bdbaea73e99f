import { useId, useState, type ReactNode } from 'react';

const format = (v: number, step: number): string => {
  const decimals = step >= 1 ? 0 : Math.min(4, Math.ceil(-Math.log10(step)) + 1);
  return String(Number(v.toFixed(decimals)));
};

export interface NumberInputProps {
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  onCommit(value: number): void;
  /** Show a slider beside the box, up to this value (the box still takes anything up to `max`). */
  slider?: boolean;
  sliderMax?: number;
  /**
   * Commit while typing when the text is a valid value. Off for fields whose value is adjusted on
   * commit (snapped sizes), where "1" on the way to "1024" must not be committed.
   */
  commitWhileTyping?: boolean;
  disabled?: boolean;
  /** Shown after the value, e.g. "%". */
  unit?: string;
  hint?: string;
}

/**
 * A labelled number box (and optional slider). The box keeps what the user types until it is
 * committed (Enter or leaving the box); a value that changes from outside, as a recall does,
 * replaces it at once.
 */
export function NumberInput({ label, value, min, max, step, onCommit, slider, sliderMax, commitWhileTyping = true, disabled, unit, hint }: NumberInputProps) {
  const id = useId();
  const [draft, setDraft] = useState(format(value, step));
  const [shown, setShown] = useState(value);
  if (value !== shown) {
    setShown(value);
    setDraft(format(value, step));
  }
  const valid = (n: number) => Number.isFinite(n) && n >= min && n <= max;
  const commit = () => {
    const n = Number(draft);
    if (draft.trim() !== '' && Number.isFinite(n)) {
      const clamped = Math.min(max, Math.max(min, n));
      if (clamped !== value) onCommit(clamped);
      setDraft(format(clamped, step));
    } else {
      setDraft(format(value, step));
    }
  };
  return (
    <div className="field number-field">
      <label htmlFor={id}>
        {label}
        {hint ? <span className="hint"> {hint}</span> : null}
      </label>
      <div className="number-row">
        {slider ? (
          <input
            type="range"
            aria-label={`${label} slider`}
            min={min}
            max={Math.max(sliderMax ?? max, Math.min(value, max))}
            step={step}
            value={value}
            disabled={disabled}
            onChange={(e) => onCommit(Number(e.target.value))}
          />
        ) : null}
        <input
          id={id}
          type="number"
          inputMode="decimal"
          min={min}
          max={max}
          step={step}
          value={draft}
          disabled={disabled}
          onChange={(e) => {
            setDraft(e.target.value);
            const n = Number(e.target.value);
            if (commitWhileTyping && e.target.value.trim() !== '' && valid(n) && n !== value) onCommit(n);
          }}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit();
            if (e.key === 'Escape') setDraft(format(value, step));
          }}
        />
        {unit ? <span className="unit">{unit}</span> : null}
      </div>
    </div>
  );
}

export interface SelectOption<T extends string> {
  value: T;
  label: string;
  group?: string;
  disabled?: boolean;
}

export function SelectField<T extends string>(props: {
  label: string;
  value: T;
  options: readonly SelectOption<T>[];
  onChange(value: T): void;
  disabled?: boolean;
  className?: string;
}) {
  const id = useId();
  const groups = new Map<string | undefined, SelectOption<T>[]>();
  for (const o of props.options) groups.set(o.group, [...(groups.get(o.group) ?? []), o]);
  const render = (o: SelectOption<T>) => (
    <option key={o.value} value={o.value} disabled={o.disabled}>
      {o.label}
    </option>
  );
  return (
    <div className={`field ${props.className ?? ''}`}>
      <label htmlFor={id}>{props.label}</label>
      <select id={id} value={props.value} disabled={props.disabled} onChange={(e) => props.onChange(e.target.value as T)}>
        {[...groups.entries()].map(([group, options]) =>
          group === undefined ? (
            options.map(render)
          ) : (
            <optgroup key={group} label={group}>
              {options.map(render)}
            </optgroup>
          ),
        )}
      </select>
    </div>
  );
}

/** A checkbox shown as a switch; `label` may be hidden for compact rows (it stays the accessible name). */
export function Switch(props: { label: string; checked: boolean; onChange(checked: boolean): void; hideLabel?: boolean; disabled?: boolean }) {
  const id = useId();
  return (
    <div className="switch-field">
      <input id={id} type="checkbox" role="switch" className="switch" checked={props.checked} disabled={props.disabled} onChange={(e) => props.onChange(e.target.checked)} />
      <label htmlFor={id} className={props.hideLabel ? 'visually-hidden' : undefined}>
        {props.label}
      </label>
    </div>
  );
}

export function TextArea(props: { label: string; value: string; onChange(value: string): void; rows?: number; placeholder?: string; maxLength?: number }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <textarea id={id} rows={props.rows ?? 3} value={props.value} placeholder={props.placeholder} maxLength={props.maxLength} onChange={(e) => props.onChange(e.target.value)} />
    </div>
  );
}

export function Panel(props: { title: string; children: ReactNode; actions?: ReactNode; className?: string }) {
  const id = useId();
  return (
    <section className={`panel ${props.className ?? ''}`} aria-labelledby={id}>
      <header className="panel-header">
        <h2 id={id}>{props.title}</h2>
        {props.actions ? <div className="panel-actions">{props.actions}</div> : null}
      </header>
      <div className="panel-body">{props.children}</div>
    </section>
  );
}
