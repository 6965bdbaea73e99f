import { createSlice, nanoid, type PayloadAction } from '@reduxjs/toolkit';
import { z } from 'zod';
import { zImageRef, type ImageRef } from '../../../shared/images.js';
import type { ImageInfluence, IpAdapterMethod, ResolvedIpAdapter, ResolvedReferenceImage } from '../../../shared/recall.js';
import { queueSelected, userStateRestored } from '../../app/actions.js';
import type { ModelRef } from '../models/model-ref.js';
import {
  clipVisionFor,
  configFromIpAdapterRecall,
  IP_ADAPTER_WEIGHT,
  ipAdapterConfig,
  modelFreeConfigFor,
  zRefImageConfig,
  type ClipVisionModel,
  type RefImageConfig,
} from './ref-image-config.js';

export const zRefImage = z.object({
  id: z.string(),
  /** Which recall list made the entry; each list replaces only its own entries, the user's stay. */
  origin: z.enum(['ip_adapters', 'reference_images', 'user']),
  isEnabled: z.boolean(),
  image: zImageRef.nullable(),
  config: zRefImageConfig,
});
export type RefImage = z.infer<typeof zRefImage>;

export const zRefImagesState = z.object({ entries: z.array(zRefImage) });
export type RefImagesState = z.infer<typeof zRefImagesState>;

const initialState: RefImagesState = { entries: [] };

type Origin = RefImage['origin'];

/** Replaces the entries of one origin in place (at the first old one, else at the end), or appends. */
function place(state: RefImagesState, origin: Origin, fresh: RefImage[], append: boolean): void {
  if (append) {
    state.entries.push(...fresh);
    return;
  }
  const first = state.entries.findIndex((e) => e.origin === origin);
  const kept = state.entries.filter((e) => e.origin !== origin);
  const at = first === -1 ? kept.length : state.entries.slice(0, first).filter((e) => e.origin !== origin).length;
  kept.splice(at, 0, ...fresh);
  state.entries = kept;
}

const findEntry = (state: RefImagesState, id: string) => state.entries.find((e) => e.id === id);

export interface ReferenceImagesRecall {
  entries: ResolvedReferenceImage[];
  append: boolean;
  /** The main model after this recall's own model was applied: the flavour is judged against it. */
  mainModel: ModelRef | null;
  ipAdapterModels: ModelRef[];
}

export const refImagesSlice = createSlice({
  name: 'refImages',
  initialState,
  reducers: {
    ipAdaptersRecalled: {
      reducer(state, action: PayloadAction<{ entries: RefImage[]; append: boolean }>) {
        place(state, 'ip_adapters', action.payload.entries, action.payload.append);
      },
      prepare: (entries: ResolvedIpAdapter[], append: boolean) => ({
        payload: {
          append,
          entries: entries.map(
            (e): RefImage => ({ id: nanoid(), origin: 'ip_adapters', isEnabled: true, image: e.image ?? null, config: configFromIpAdapterRecall(e) }),
          ),
        },
      }),
    },
    referenceImagesRecalled: {
      reducer(state, action: PayloadAction<{ entries: RefImage[]; append: boolean }>) {
        place(state, 'reference_images', action.payload.entries, action.payload.append);
      },
      prepare: ({ entries, append, mainModel, ipAdapterModels }: ReferenceImagesRecall) => ({
        payload: {
          append,
          entries: entries.map(
            (e): RefImage => ({
              id: nanoid(),
              origin: 'reference_images',
              isEnabled: true,
              image: e.image,
              config: modelFreeConfigFor(mainModel, ipAdapterModels),
            }),
          ),
        },
      }),
    },
    refImageAdded: {
      reducer(state, action: PayloadAction<RefImage>) {
        state.entries.push(action.payload);
      },
      prepare: (config: RefImageConfig, image: ImageRef | null = null) => ({
        payload: { id: nanoid(), origin: 'user' as const, isEnabled: true, image, config },
      }),
    },
    refImageRemoved(state, action: PayloadAction<string>) {
      state.entries = state.entries.filter((e) => e.id !== action.payload);
    },
    refImageIsEnabledChanged(state, action: PayloadAction<{ id: string; isEnabled: boolean }>) {
      const entry = findEntry(state, action.payload.id);
      if (entry) entry.isEnabled = action.payload.isEnabled;
    },
    refImageImageChanged(state, action: PayloadAction<{ id: string; image: ImageRef | null }>) {
      const entry = findEntry(state, action.payload.id);
      if (entry) entry.image = action.payload.image;
    },
    /** Picking a FLUX Redux model turns an IP adapter into FLUX Redux and back. */
    refImageModelChanged(state, action: PayloadAction<{ id: string; model: ModelRef | null }>) {
      const entry = findEntry(state, action.payload.id);
      if (!entry) return;
      const { model } = action.payload;
      const c = entry.config;
      if (model?.type === 'flux_redux') {
        entry.config = { type: 'flux_redux', model, imageInfluence: c.type === 'flux_redux' ? c.imageInfluence : 'highest' };
      } else if (c.type === 'ip_adapter') {
        entry.config = { ...c, model, clipVisionModel: model?.base === 'flux' ? 'ViT-L' : c.clipVisionModel === 'ViT-L' ? clipVisionFor(model) : c.clipVisionModel };
      } else {
        entry.config = ipAdapterConfig(model);
      }
    },
    refImageWeightChanged(state, action: PayloadAction<{ id: string; weight: number }>) {
      const entry = findEntry(state, action.payload.id);
      if (entry?.config.type === 'ip_adapter' && Number.isFinite(action.payload.weight)) {
        entry.config.weight = Math.min(IP_ADAPTER_WEIGHT.max, Math.max(IP_ADAPTER_WEIGHT.min, action.payload.weight));
      }
    },
    refImageStepRangeChanged(state, action: PayloadAction<{ id: string; end: 'begin' | 'end'; value: number }>) {
      const entry = findEntry(state, action.payload.id);
      if (entry?.config.type !== 'ip_adapter' || !Number.isFinite(action.payload.value)) return;
      const v = Math.min(1, Math.max(0, action.payload.value));
      const [b, e] = entry.config.beginEndStepPct;
      entry.config.beginEndStepPct = action.payload.end === 'begin' ? [v, Math.max(v, e)] : [Math.min(v, b), v];
    },
    refImageMethodChanged(state, action: PayloadAction<{ id: string; method: IpAdapterMethod }>) {
      const entry = findEntry(state, action.payload.id);
      if (entry?.config.type === 'ip_adapter') entry.config.method = action.payload.method;
    },
    refImageClipVisionChanged(state, action: PayloadAction<{ id: string; clipVisionModel: ClipVisionModel }>) {
      const entry = findEntry(state, action.payload.id);
      // FLUX IP adapters only work with ViT-L.
      if (entry?.config.type === 'ip_adapter' && entry.config.model?.base !== 'flux') entry.config.clipVisionModel = action.payload.clipVisionModel;
    },
    refImageInfluenceChanged(state, action: PayloadAction<{ id: string; imageInfluence: ImageInfluence }>) {
      const entry = findEntry(state, action.payload.id);
      if (entry?.config.type === 'flux_redux') entry.config.imageInfluence = action.payload.imageInfluence;
    },
  },
  extraReducers: (builder) => {
    builder.addCase(queueSelected, () => initialState);
    builder.addCase(userStateRestored, (_state, action) => action.payload.refImages);
  },
});

export const {
  ipAdaptersRecalled,
  referenceImagesRecalled,
  refImageAdded,
  refImageRemoved,
  refImageIsEnabledChanged,
  refImageImageChanged,
  refImageModelChanged,
  refImageWeightChanged,
  refImageStepRangeChanged,
  refImageMethodChanged,
  refImageClipVisionChanged,
  refImageInfluenceChanged,
} = refImagesSlice.actions;
