import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import { z } from 'zod';
import { LIMITS } from '../../../shared/recall.js';
import { SCHEDULER_NAMES, zSchedulerName } from '../../../shared/schedulers.js';
import { queueSelected, userStateRestored } from '../../app/actions.js';
import { zModelRef, type ModelRef } from '../models/model-ref.js';
import { presetFor, presetValue, zAspectRatio, type AspectRatioId } from './aspect-ratio.js';
import { clampField, type NumberField } from './fields.js';
import { gridFor, snapToGrid } from './grid.js';

/** The recall scalars (API names) other than the three model fields, always with a value. */
export const zScalarValues = z.object({
  positive_prompt: z.string().max(LIMITS.promptChars),
  negative_prompt: z.string().max(LIMITS.promptChars),
  scheduler: zSchedulerName,
  steps: z.number().int(),
  refiner_steps: z.number().int(),
  cfg_scale: z.number(),
  cfg_rescale_multiplier: z.number(),
  refiner_cfg_scale: z.number(),
  guidance: z.number(),
  width: z.number().int(),
  height: z.number().int(),
  seed: z.number().int(),
  denoise_strength: z.number(),
  refiner_denoise_start: z.number(),
  clip_skip: z.number().int(),
  seamless_x: z.boolean(),
  seamless_y: z.boolean(),
  refiner_positive_aesthetic_score: z.number(),
  refiner_negative_aesthetic_score: z.number(),
});
export type ScalarValues = z.infer<typeof zScalarValues>;

export const zParamsState = z.object({
  values: zScalarValues,
  model: zModelRef.nullable(),
  refinerModel: zModelRef.nullable(),
  vae: zModelRef.nullable(),
  aspectRatio: zAspectRatio,
  shouldRandomizeSeed: z.boolean(),
});
export type ParamsState = z.infer<typeof zParamsState>;

export const initialParamsState: ParamsState = {
  values: {
    positive_prompt: '',
    negative_prompt: '',
    scheduler: 'euler',
    steps: 30,
    refiner_steps: 20,
    cfg_scale: 7,
    cfg_rescale_multiplier: 0,
    refiner_cfg_scale: 7.5,
    guidance: 4,
    width: 512,
    height: 512,
    seed: 0,
    denoise_strength: 0.75,
    refiner_denoise_start: 0.8,
    clip_skip: 0,
    seamless_x: false,
    seamless_y: false,
    refiner_positive_aesthetic_score: 6,
    refiner_negative_aesthetic_score: 2.5,
  },
  model: null,
  refinerModel: null,
  vae: null,
  aspectRatio: { id: '1:1', value: 1, isLocked: false },
  shouldRandomizeSeed: true,
};

/** What a recall sets besides the main model; every part is optional, as in the request. */
export interface ParamsRecall {
  values: Partial<ScalarValues>;
  refinerModel?: ModelRef;
  vae?: ModelRef;
}

/**
 * Sets width and/or height on the current model's grid. When both are given they define the ratio
 * together (a lock stays on, at the new ratio), so a recall of both never has them fight; when one
 * is given and the ratio is locked, the other follows it.
 */
function applySize(state: ParamsState, size: { width?: number; height?: number }): void {
  const grid = gridFor(state.model?.base);
  const ar = state.aspectRatio;
  const { width, height } = size;
  if (width !== undefined && height !== undefined) {
    state.values.width = snapToGrid(width, grid);
    state.values.height = snapToGrid(height, grid);
    ar.value = width / height;
    ar.id = presetFor(width, height);
  } else if (width !== undefined) {
    state.values.width = snapToGrid(width, grid);
    if (ar.isLocked) state.values.height = snapToGrid(state.values.width / ar.value, grid);
    else setRatioFromSize(state);
  } else if (height !== undefined) {
    state.values.height = snapToGrid(height, grid);
    if (ar.isLocked) state.values.width = snapToGrid(state.values.height * ar.value, grid);
    else setRatioFromSize(state);
  }
}

function setRatioFromSize(state: ParamsState): void {
  state.aspectRatio.value = state.values.width / state.values.height;
  state.aspectRatio.id = presetFor(state.values.width, state.values.height);
}

/** A new main model may have a coarser grid: bring the size onto it, keeping a locked ratio. */
function resnap(state: ParamsState): void {
  const grid = gridFor(state.model?.base);
  state.values.width = snapToGrid(state.values.width, grid);
  state.values.height = state.aspectRatio.isLocked
    ? snapToGrid(state.values.width / state.aspectRatio.value, grid)
    : snapToGrid(state.values.height, grid);
}

function setMainModel(state: ParamsState, model: ModelRef | null): void {
  state.model = model;
  resnap(state);
}

type NonSizeNumberField = Exclude<NumberField, 'width' | 'height'>;

export const paramsSlice = createSlice({
  name: 'params',
  initialState: initialParamsState,
  reducers: {
    /** The main model of a recall, applied before anything else of it. */
    mainModelRecalled(state, action: PayloadAction<ModelRef>) {
      setMainModel(state, action.payload);
    },
    mainModelSelected(state, action: PayloadAction<ModelRef | null>) {
      setMainModel(state, action.payload);
    },
    paramsRecalled(state, action: PayloadAction<ParamsRecall>) {
      const { values, refinerModel, vae } = action.payload;
      const { width, height, ...rest } = values;
      Object.assign(state.values, rest);
      applySize(state, { width, height });
      // A recalled seed is meant to be reused; randomizing would throw it away on the next run.
      if (values.seed !== undefined) state.shouldRandomizeSeed = false;
      if (refinerModel) state.refinerModel = refinerModel;
      if (vae) state.vae = vae;
    },
    promptChanged(state, action: PayloadAction<{ which: 'positive' | 'negative'; text: string }>) {
      const text = action.payload.text.slice(0, LIMITS.promptChars);
      if (action.payload.which === 'positive') state.values.positive_prompt = text;
      else state.values.negative_prompt = text;
    },
    numberChanged(state, action: PayloadAction<{ field: NonSizeNumberField; value: number }>) {
      const { field, value } = action.payload;
      if (Number.isFinite(value)) state.values[field] = clampField(field, value);
    },
    widthChanged(state, action: PayloadAction<number>) {
      if (Number.isFinite(action.payload)) applySize(state, { width: action.payload });
    },
    heightChanged(state, action: PayloadAction<number>) {
      if (Number.isFinite(action.payload)) applySize(state, { height: action.payload });
    },
    aspectRatioSelected(state, action: PayloadAction<AspectRatioId>) {
      const value = presetValue(action.payload);
      state.aspectRatio.id = action.payload;
      if (value === null) {
        state.aspectRatio.isLocked = false;
        return;
      }
      // Keep the pixel count, so changing the shape does not change the cost of a run.
      const grid = gridFor(state.model?.base);
      const area = state.values.width * state.values.height;
      state.aspectRatio.value = value;
      state.values.width = snapToGrid(Math.sqrt(area * value), grid);
      state.values.height = snapToGrid(state.values.width / value, grid);
    },
    aspectRatioLockToggled(state) {
      state.aspectRatio.isLocked = !state.aspectRatio.isLocked;
    },
    dimensionsSwapped(state) {
      const { width, height } = state.values;
      state.values.width = height;
      state.values.height = width;
      setRatioFromSize(state);
    },
    schedulerSelected(state, action: PayloadAction<ScalarValues['scheduler']>) {
      if ((SCHEDULER_NAMES as readonly string[]).includes(action.payload)) state.values.scheduler = action.payload;
    },
    seamlessChanged(state, action: PayloadAction<{ axis: 'x' | 'y'; enabled: boolean }>) {
      if (action.payload.axis === 'x') state.values.seamless_x = action.payload.enabled;
      else state.values.seamless_y = action.payload.enabled;
    },
    shouldRandomizeSeedChanged(state, action: PayloadAction<boolean>) {
      state.shouldRandomizeSeed = action.payload;
    },
    seedRandomized: {
      reducer(state, action: PayloadAction<number>) {
        state.values.seed = action.payload;
      },
      // Randomness belongs in the action, so the reducer stays pure and replayable.
      prepare: () => ({ payload: Math.floor(Math.random() * (LIMITS.seed.max + 1)) }),
    },
    refinerModelSelected(state, action: PayloadAction<ModelRef | null>) {
      state.refinerModel = action.payload;
    },
    vaeSelected(state, action: PayloadAction<ModelRef | null>) {
      state.vae = action.payload;
    },
  },
  extraReducers: (builder) => {
    builder.addCase(queueSelected, () => initialParamsState);
    builder.addCase(userStateRestored, (_state, action) => action.payload.params);
  },
});

export const {
  mainModelRecalled,
  mainModelSelected,
  paramsRecalled,
  promptChanged,
  numberChanged,
  widthChanged,
  heightChanged,
  aspectRatioSelected,
  aspectRatioLockToggled,
  dimensionsSwapped,
  schedulerSelected,
  seamlessChanged,
  shouldRandomizeSeedChanged,
  seedRandomized,
  refinerModelSelected,
  vaeSelected,
} = paramsSlice.actions;
