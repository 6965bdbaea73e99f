import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { queueSelected } from '../../app/actions.js';
import { recallApplied, type RecallApplied, type RecallCounts } from '../queue/queueSlice.js';

export interface Notice {
  id: number;
  kind: 'recall' | 'info' | 'warning' | 'error';
  text: string;
  details: string[];
  at: number;
}

export interface NoticesState {
  notices: Notice[];
  nextId: number;
}

/** Enough history to see what the last few recalls did, not a log. */
export const MAX_NOTICES = 5;

const initialState: NoticesState = { notices: [], nextId: 1 };

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "Applied 12 parameters, 1 LoRA, 1 control layer": what a recall changed, in the request's order. */
export function describeCounts(counts: RecallCounts, append: boolean): string {
  const parts: string[] = [];
  if (counts.parameters > 0) parts.push(plural(counts.parameters, 'parameter'));
  const list = (n: number | null, one: string, many: string, appendable = false) => {
    if (n === null) return;
    if (n === 0) parts.push(append && appendable ? `no ${many}` : `cleared ${many}`);
    else parts.push(`${plural(n, one, many)}${append && appendable ? ' (appended)' : ''}`);
  };
  list(counts.loras, 'LoRA', 'LoRAs');
  list(counts.controlLayers, 'control layer', 'control layers');
  list(counts.ipAdapters, 'IP adapter', 'IP adapters', true);
  list(counts.referenceImages, 'reference image', 'reference images', true);
  return parts.length ? parts.join(', ') : 'nothing new';
}

export function describeRecall(r: RecallApplied): string {
  const what = describeCounts(r.counts, r.append);
  return r.source === 'catch-up' ? `Caught up to recall #${r.revision}: applied ${what}` : `Applied ${what}`;
}

function push(state: NoticesState, notice: Omit<Notice, 'id'>): void {
  state.notices.unshift({ ...notice, id: state.nextId++ });
  state.notices.splice(MAX_NOTICES);
}

export const noticesSlice = createSlice({
  name: 'notices',
  initialState,
  reducers: {
    noticeShown: {
      reducer(state, action: PayloadAction<Omit<Notice, 'id'>>) {
        push(state, action.payload);
      },
      prepare: (kind: Notice['kind'], text: string, details: string[] = []) => ({ payload: { kind, text, details, at: Date.now() } }),
    },
    noticeDismissed(state, action: PayloadAction<number>) {
      state.notices = state.notices.filter((n) => n.id !== action.payload);
    },
  },
  extraReducers: (builder) => {
    builder.addCase(recallApplied, (state, action) => {
      const r = action.payload;
      push(state, {
        kind: r.warnings.length ? 'warning' : 'recall',
        text: describeRecall(r),
        details: [...r.warnings.map((w) => w.message), ...r.notes],
        at: r.at,
      });
    });
    builder.addCase(queueSelected, () => initialState);
  },
});

export const { noticeShown, noticeDismissed } = noticesSlice.actions;
