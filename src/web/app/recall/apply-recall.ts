import type { RecallWarning, ResolvedRecallParameters } from '../../../shared/recall.js';
import { toModelRef, type ModelRef } from '../../features/models/model-ref.js';
import { modelLoaded, modelsOfType } from '../../features/models/modelsSlice.js';
import { recallApplied } from '../../features/queue/queueSlice.js';
import type { RecallApi } from '../api.js';
import { logger } from '../logging.js';
import type { AppStore } from '../store.js';
import { planRecall } from './plan-recall.js';

const log = logger('recall');

export interface RecallMeta {
  source: 'event' | 'catch-up';
  revision: number;
  recallId: string | null;
  warnings: RecallWarning[];
  /** The queue's stored recall once this one is applied. */
  baseline: ResolvedRecallParameters;
}

/**
 * Model fields carry keys only. Keys this page has not seen (a model added since the list was
 * loaded) are fetched one by one; a key the server no longer knows is left out.
 */
async function lookUpModels(store: AppStore, api: RecallApi, keys: string[]): Promise<Record<string, ModelRef>> {
  const found: Record<string, ModelRef> = {};
  for (const key of keys) {
    let config = store.getState().models.byKey[key];
    if (!config) {
      try {
        const fetched = await api.getModel(key);
        if (fetched) {
          store.dispatch(modelLoaded(fetched));
          config = fetched;
        }
      } catch (err) {
        log.warn({ key, error: String(err) }, 'Could not fetch model %s', key);
      }
    }
    if (config) found[key] = toModelRef(config);
  }
  return found;
}

/** Applies one resolved recall to the store, in order, and records it as applied. */
export async function applyRecall(store: AppStore, api: RecallApi, parameters: ResolvedRecallParameters, meta: RecallMeta): Promise<void> {
  const keys = [parameters.model, parameters.refiner_model, parameters.vae_model].filter((k): k is string => typeof k === 'string');
  const models = await lookUpModels(store, api, keys);
  const state = store.getState();
  const plan = planRecall(parameters, {
    models,
    currentMainModel: state.params.model,
    ipAdapterModels: modelsOfType(state.models.byKey, ['ip_adapter']).map(toModelRef),
  });
  for (const action of plan.actions) {
    log.debug({ type: action.type }, 'Dispatching %s', action.type);
    store.dispatch(action);
  }
  store.dispatch(
    recallApplied({
      source: meta.source,
      revision: meta.revision,
      recallId: meta.recallId,
      baseline: meta.baseline,
      counts: plan.counts,
      append: parameters.append === true,
      warnings: meta.warnings,
      notes: plan.notes,
      at: Date.now(),
    }),
  );
  const c = plan.counts;
  log.info({ revision: meta.revision, source: meta.source }, 'Applied %d recall parameters to store', c.parameters);
  if (c.loras !== null) log.info('Applied %d LoRA(s), replacing existing list', c.loras);
  if (c.controlLayers !== null) log.info('Applied %d control layer(s), replacing recalled layers', c.controlLayers);
  if (c.ipAdapters !== null) log.info(`Applied %d IP adapter(s), ${parameters.append ? 'appending' : 'replacing existing list'}`, c.ipAdapters);
  if (c.referenceImages !== null) log.info('Applied %d model-free reference image(s)', c.referenceImages);
  for (const w of meta.warnings) log.warn({ field: w.field, code: w.code }, w.message);
  for (const n of plan.notes) log.warn(n);
}
