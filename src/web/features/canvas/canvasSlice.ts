import { createSlice, nanoid, type PayloadAction } from '@reduxjs/toolkit';
import { z } from 'zod';
import { zImageRef, type ImageRef } from '../../../shared/images.js';
import { zControlMode, type ControlMode, type ResolvedControlLayer } from '../../../shared/recall.js';
import { queueSelected, userStateRestored } from '../../app/actions.js';
import { refFromResolved, zModelRef, type ModelRef } from '../models/model-ref.js';

export const CONTROL_ADAPTER_TYPES = ['controlnet', 't2i_adapter', 'control_lora'] as const;
export const zControlAdapterType = z.enum(CONTROL_ADAPTER_TYPES);
export type ControlAdapterType = z.infer<typeof zControlAdapterType>;

export const ADAPTER_LABELS: Record<ControlAdapterType, string> = {
  controlnet: 'ControlNet',
  t2i_adapter: 'T2I Adapter',
  control_lora: 'Control LoRA',
};

export const CONTROL_WEIGHT = { min: -1, max: 2 } as const;

const zStepRange = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);

export const zControlAdapter = z.object({
  type: zControlAdapterType,
  model: zModelRef.nullable(),
  weight: z.number().min(CONTROL_WEIGHT.min).max(CONTROL_WEIGHT.max),
  beginEndStepPct: zStepRange,
  /** ControlNet only; null for the other adapter types. */
  controlMode: zControlMode.nullable(),
});
export type ControlAdapter = z.infer<typeof zControlAdapter>;

const zLayerBase = {
  id: z.string(),
  /** `recall` layers are the ones a recall's `control_layers` replaces; the user's own are never touched. */
  origin: z.enum(['recall', 'user']),
  isEnabled: z.boolean(),
  opacity: z.number().min(0).max(1),
  image: zImageRef.nullable(),
};

export const zControlLayer = z.object({ kind: z.literal('control_layer'), ...zLayerBase, adapter: zControlAdapter });
export const zRasterLayer = z.object({ kind: z.literal('raster_layer'), ...zLayerBase });
export const zCanvasLayer = z.discriminatedUnion('kind', [zControlLayer, zRasterLayer]);
export type ControlLayer = z.infer<typeof zControlLayer>;
export type RasterLayer = z.infer<typeof zRasterLayer>;
export type CanvasLayer = z.infer<typeof zCanvasLayer>;

/** Layers top first, as the layer list shows them. */
export const zCanvasState = z.object({ layers: z.array(zCanvasLayer) });
export type CanvasState = z.infer<typeof zCanvasState>;

const initialState: CanvasState = { layers: [] };

export function adapterTypeOf(model: ModelRef | null, fallback: ControlAdapterType = 'controlnet'): ControlAdapterType {
  const t = model?.type;
  return t === 'controlnet' || t === 't2i_adapter' || t === 'control_lora' ? t : fallback;
}

/** A layer for one recalled entry: the adapter type follows the model's type, not a guess. */
export function controlLayerFromRecall(entry: ResolvedControlLayer, id: string): ControlLayer {
  const model = refFromResolved(entry);
  const type = adapterTypeOf(model);
  return {
    kind: 'control_layer',
    id,
    origin: 'recall',
    isEnabled: true,
    // Control images are guides, not pixels to keep: half opacity shows them over the other layers.
    opacity: 0.5,
    image: entry.image ?? null,
    adapter: {
      type,
      model,
      weight: entry.weight,
      beginEndStepPct: [entry.begin_step_percent ?? 0, entry.end_step_percent ?? 1],
      controlMode: type === 'controlnet' ? (entry.control_mode ?? 'balanced') : null,
    },
  };
}

const findLayer = (state: CanvasState, id: string) => state.layers.find((l) => l.id === id);
const findControl = (state: CanvasState, id: string) => {
  const layer = findLayer(state, id);
  return layer?.kind === 'control_layer' ? layer : undefined;
};
const isRecalledControl = (l: CanvasLayer) => l.kind === 'control_layer' && l.origin === 'recall';

export const canvasSlice = createSlice({
  name: 'canvas',
  initialState,
  reducers: {
    /**
     * A recall's `control_layers` replaces the layers earlier recalls made, and only those: raster
     * layers and the user's own control layers stay. The new layers take the place of the first old
     * one (or the top), in request order.
     */
    controlLayersRecalled: {
      reducer(state, action: PayloadAction<ControlLayer[]>) {
        const first = state.layers.findIndex(isRecalledControl);
        const kept = state.layers.filter((l) => !isRecalledControl(l));
        const at = first === -1 ? 0 : state.layers.slice(0, first).filter((l) => !isRecalledControl(l)).length;
        kept.splice(at, 0, ...action.payload);
        state.layers = kept;
      },
      prepare: (entries: ResolvedControlLayer[]) => ({ payload: entries.map((e) => controlLayerFromRecall(e, nanoid())) }),
    },
    controlLayerAdded: {
      reducer(state, action: PayloadAction<ControlLayer>) {
        state.layers.unshift(action.payload);
      },
      prepare: (image: ImageRef | null = null) => ({
        payload: {
          kind: 'control_layer' as const,
          id: nanoid(),
          origin: 'user' as const,
          isEnabled: true,
          opacity: 0.5,
          image,
          adapter: { type: 'controlnet' as const, model: null, weight: 1, beginEndStepPct: [0, 1] as [number, number], controlMode: 'balanced' as const },
        },
      }),
    },
    rasterLayerAdded: {
      reducer(state, action: PayloadAction<RasterLayer>) {
        state.layers.unshift(action.payload);
      },
      prepare: (image: ImageRef) => ({
        payload: { kind: 'raster_layer' as const, id: nanoid(), origin: 'user' as const, isEnabled: true, opacity: 1, image },
      }),
    },
    layerRemoved(state, action: PayloadAction<string>) {
      state.layers = state.layers.filter((l) => l.id !== action.payload);
    },
    layerMoved(state, action: PayloadAction<{ id: string; direction: 'up' | 'down' }>) {
      const i = state.layers.findIndex((l) => l.id === action.payload.id);
      const j = action.payload.direction === 'up' ? i - 1 : i + 1;
      if (i < 0 || j < 0 || j >= state.layers.length) return;
      const [layer] = state.layers.splice(i, 1);
      state.layers.splice(j, 0, layer!);
    },
    layerIsEnabledChanged(state, action: PayloadAction<{ id: string; isEnabled: boolean }>) {
      const layer = findLayer(state, action.payload.id);
      if (layer) layer.isEnabled = action.payload.isEnabled;
    },
    layerOpacityChanged(state, action: PayloadAction<{ id: string; opacity: number }>) {
      const layer = findLayer(state, action.payload.id);
      if (layer && Number.isFinite(action.payload.opacity)) layer.opacity = Math.min(1, Math.max(0, action.payload.opacity));
    },
    layerImageChanged(state, action: PayloadAction<{ id: string; image: ImageRef | null }>) {
      const layer = findLayer(state, action.payload.id);
      if (layer && (layer.kind === 'control_layer' || action.payload.image)) layer.image = action.payload.image;
    },
    controlLayerModelChanged(state, action: PayloadAction<{ id: string; model: ModelRef | null }>) {
      const layer = findControl(state, action.payload.id);
      if (!layer) return;
      const type = adapterTypeOf(action.payload.model, layer.adapter.type);
      layer.adapter.model = action.payload.model;
      layer.adapter.type = type;
      layer.adapter.controlMode = type === 'controlnet' ? (layer.adapter.controlMode ?? 'balanced') : null;
    },
    controlLayerWeightChanged(state, action: PayloadAction<{ id: string; weight: number }>) {
      const layer = findControl(state, action.payload.id);
      if (layer && Number.isFinite(action.payload.weight)) {
        layer.adapter.weight = Math.min(CONTROL_WEIGHT.max, Math.max(CONTROL_WEIGHT.min, action.payload.weight));
      }
    },
    /** Moving one end past the other drags the other along, so begin ≤ end always holds. */
    controlLayerStepRangeChanged(state, action: PayloadAction<{ id: string; end: 'begin' | 'end'; value: number }>) {
      const layer = findControl(state, action.payload.id);
      if (!layer || !Number.isFinite(action.payload.value)) return;
      const v = Math.min(1, Math.max(0, action.payload.value));
      const range = layer.adapter.beginEndStepPct;
      if (action.payload.end === 'begin') layer.adapter.beginEndStepPct = [v, Math.max(v, range[1])];
      else layer.adapter.beginEndStepPct = [Math.min(v, range[0]), v];
    },
    controlLayerModeChanged(state, action: PayloadAction<{ id: string; controlMode: ControlMode }>) {
      const layer = findControl(state, action.payload.id);
      if (layer?.adapter.type === 'controlnet') layer.adapter.controlMode = action.payload.controlMode;
    },
  },
  extraReducers: (builder) => {
    builder.addCase(queueSelected, () => initialState);
    builder.addCase(userStateRestored, (_state, action) => action.payload.canvas);
  },
});

export const {
  controlLayersRecalled,
  controlLayerAdded,
  rasterLayerAdded,
  layerRemoved,
  layerMoved,
  layerIsEnabledChanged,
  layerOpacityChanged,
  layerImageChanged,
  controlLayerModelChanged,
  controlLayerWeightChanged,
  controlLayerStepRangeChanged,
  controlLayerModeChanged,
} = canvasSlice.actions;
