import { createSlice, nanoid, type PayloadAction } from '@reduxjs/toolkit';
import { z } from 'zod';
import type { ResolvedLora } from '../../../shared/recall.js';
import { queueSelected, userStateRestored } from '../../app/actions.js';
import { refFromResolved, zModelRef, type ModelRef } from '../models/model-ref.js';

export const LORA_WEIGHT = { min: -10, max: 10, default: 0.75 } as const;

export const zLoraEntry = z.object({
  id: z.string(),
  model: zModelRef,
  weight: z.number().min(LORA_WEIGHT.min).max(LORA_WEIGHT.max),
  isEnabled: z.boolean(),
});
export type LoraEntry = z.infer<typeof zLoraEntry>;

export const zLorasState = z.object({ loras: z.array(zLoraEntry) });
export type LorasState = z.infer<typeof zLorasState>;

const initialState: LorasState = { loras: [] };

const clampWeight = (w: number) => Math.min(LORA_WEIGHT.max, Math.max(LORA_WEIGHT.min, w));

export const lorasSlice = createSlice({
  name: 'loras',
  initialState,
  reducers: {
    /** A recall's `loras` replaces the whole list, in request order (spec "Feature Details"). */
    lorasRecalled: {
      reducer(state, action: PayloadAction<LoraEntry[]>) {
        state.loras = action.payload;
      },
      prepare: (entries: ResolvedLora[]) => ({
        payload: entries.map((e) => ({ id: nanoid(), model: refFromResolved(e), weight: e.weight, isEnabled: e.is_enabled })),
      }),
    },
    loraAdded: {
      reducer(state, action: PayloadAction<LoraEntry>) {
        // One entry per model: adding it again would apply it twice.
        if (!state.loras.some((l) => l.model.key === action.payload.model.key)) state.loras.push(action.payload);
      },
      prepare: (model: ModelRef) => ({ payload: { id: nanoid(), model, weight: LORA_WEIGHT.default, isEnabled: true } }),
    },
    loraRemoved(state, action: PayloadAction<string>) {
      state.loras = state.loras.filter((l) => l.id !== action.payload);
    },
    loraWeightChanged(state, action: PayloadAction<{ id: string; weight: number }>) {
      const lora = state.loras.find((l) => l.id === action.payload.id);
      if (lora && Number.isFinite(action.payload.weight)) lora.weight = clampWeight(action.payload.weight);
    },
    loraIsEnabledChanged(state, action: PayloadAction<{ id: string; isEnabled: boolean }>) {
      const lora = state.loras.find((l) => l.id === action.payload.id);
      if (lora) lora.isEnabled = action.payload.isEnabled;
    },
  },
  extraReducers: (builder) => {
    builder.addCase(queueSelected, () => initialState);
    builder.addCase(userStateRestored, (_state, action) => action.payload.loras);
  },
});

export const { lorasRecalled, loraAdded, loraRemoved, loraWeightChanged, loraIsEnabledChanged } = lorasSlice.actions;
