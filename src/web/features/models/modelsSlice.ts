import { createSlice, type PayloadAction } from '@reduxjs/toolkit';
import type { ModelConfig, ModelType } from '../../../shared/models.js';

export interface ModelsState {
  byKey: Record<string, ModelConfig>;
  status: 'idle' | 'loading' | 'loaded' | 'failed';
  error: string | null;
}

const initialState: ModelsState = { byKey: {}, status: 'idle', error: null };

/** The server's model registry, as far as this page knows it. */
export const modelsSlice = createSlice({
  name: 'models',
  initialState,
  reducers: {
    modelsRequested(state) {
      state.status = 'loading';
      state.error = null;
    },
    modelsLoaded(state, action: PayloadAction<ModelConfig[]>) {
      state.byKey = Object.fromEntries(action.payload.map((m) => [m.key, m]));
      state.status = 'loaded';
      state.error = null;
    },
    modelsLoadFailed(state, action: PayloadAction<string>) {
      state.status = 'failed';
      state.error = action.payload;
    },
    /** One model fetched on its own (a recalled key this page had not seen yet). */
    modelLoaded(state, action: PayloadAction<ModelConfig>) {
      state.byKey[action.payload.key] = action.payload;
    },
  },
});

export const { modelsRequested, modelsLoaded, modelsLoadFailed, modelLoaded } = modelsSlice.actions;

type WithModels = { models: ModelsState };

const byName = (a: ModelConfig, b: ModelConfig) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key);

/** Models of the given types, present on disk, sorted by name (a stable order for pickers and defaults). */
export function modelsOfType(byKey: Record<string, ModelConfig>, types: readonly ModelType[]): ModelConfig[] {
  return Object.values(byKey)
    .filter((m) => types.includes(m.type) && !m.missing)
    .sort(byName);
}

export const selectModelsByKey = (state: WithModels): Record<string, ModelConfig> => state.models.byKey;

export const selectModelByKey = (state: WithModels, key: string | null | undefined): ModelConfig | undefined =>
  key ? state.models.byKey[key] : undefined;
