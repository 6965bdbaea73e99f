import type { UnknownAction } from '@reduxjs/toolkit';
import { MODEL_FIELDS, SCALAR_FIELDS, type ResolvedRecallParameters } from '../../../shared/recall.js';
import { controlLayersRecalled } from '../../features/canvas/canvasSlice.js';
import { lorasRecalled } from '../../features/loras/lorasSlice.js';
import { BASE_LABELS, isCompatible, type ModelRef } from '../../features/models/model-ref.js';
import { gridFor, snapToGrid } from '../../features/params/grid.js';
import { mainModelRecalled, paramsRecalled, type ScalarValues } from '../../features/params/paramsSlice.js';
import { ipAdaptersRecalled, referenceImagesRecalled } from '../../features/ref-images/refImagesSlice.js';
import type { RecallCounts } from '../../features/queue/queueSlice.js';

export interface RecallContext {
  /** Models the recall's model fields name, by key; a key absent here is not in the registry. */
  models: Record<string, ModelRef>;
  /** The main model selected before this recall. */
  currentMainModel: ModelRef | null;
  /** IP adapter models of the registry, for the model-free reference image rule. */
  ipAdapterModels: ModelRef[];
}

export interface RecallPlan {
  /** In the order they must be dispatched: the main model first. */
  actions: UnknownAction[];
  counts: RecallCounts;
  notes: string[];
}

const SCALARS = SCALAR_FIELDS.filter((f) => !(MODEL_FIELDS as readonly string[]).includes(f)) as (keyof ScalarValues)[];

/**
 * Turns a resolved recall into the actions that apply it. Deterministic: the same payload and
 * context give the same actions, in the request's order, whatever order lookups finished in.
 * The main model comes first, so everything after it (the size grid, LoRA and adapter bases, the
 * flavour of model-free reference images) is judged against the model this recall selects.
 */
export function planRecall(p: ResolvedRecallParameters, ctx: RecallContext): RecallPlan {
  const actions: UnknownAction[] = [];
  const notes: string[] = [];
  let parameters = 0;

  let main = ctx.currentMainModel;
  if (p.model !== undefined) {
    const model = ctx.models[p.model];
    if (model) {
      actions.push(mainModelRecalled(model));
      main = model;
      parameters++;
    } else notes.push(`Main model ${p.model} is not in the model list; kept ${ctx.currentMainModel?.name ?? 'none'}`);
  }

  const values: Partial<ScalarValues> = {};
  for (const field of SCALARS) {
    const v = p[field];
    if (v !== undefined) (values as Record<string, unknown>)[field] = v;
  }
  parameters += Object.keys(values).length;
  const recall: Parameters<typeof paramsRecalled>[0] = { values };
  for (const [field, slot, label] of [
    ['refiner_model', 'refinerModel', 'Refiner model'],
    ['vae_model', 'vae', 'VAE'],
  ] as const) {
    const key = p[field];
    if (key === undefined) continue;
    const model = ctx.models[key];
    if (model) {
      recall[slot] = model;
      parameters++;
    } else notes.push(`${label} ${key} is not in the model list`);
  }
  if (Object.keys(values).length || recall.refinerModel || recall.vae) actions.push(paramsRecalled(recall));

  const grid = gridFor(main?.base);
  for (const dim of ['width', 'height'] as const) {
    const v = values[dim];
    if (v !== undefined && snapToGrid(v, grid) !== v) {
      notes.push(`${dim === 'width' ? 'Width' : 'Height'} ${v} snapped to ${snapToGrid(v, grid)} (multiples of ${grid} for ${main ? BASE_LABELS[main.base] : 'this model'})`);
    }
  }

  const mismatch = (what: string, entries: { model_name: string; model_base: ModelRef['base'] }[]) => {
    for (const e of entries) {
      if (!isCompatible(e.model_base, main)) notes.push(`${what} ${e.model_name} (${BASE_LABELS[e.model_base]}) does not match ${main!.name} (${BASE_LABELS[main!.base]})`);
    }
  };

  if (p.loras) {
    actions.push(lorasRecalled(p.loras));
    mismatch('LoRA', p.loras);
  }
  if (p.control_layers) {
    actions.push(controlLayersRecalled(p.control_layers));
    mismatch('Control adapter', p.control_layers);
  }
  const append = p.append === true;
  if (p.ip_adapters) {
    actions.push(ipAdaptersRecalled(p.ip_adapters, append));
    mismatch('IP adapter', p.ip_adapters);
  }
  if (p.reference_images) {
    actions.push(referenceImagesRecalled({ entries: p.reference_images, append, mainModel: main, ipAdapterModels: ctx.ipAdapterModels }));
  }

  return {
    actions,
    notes,
    counts: {
      parameters,
      loras: p.loras?.length ?? null,
      controlLayers: p.control_layers?.length ?? null,
      ipAdapters: p.ip_adapters?.length ?? null,
      referenceImages: p.reference_images?.length ?? null,
    },
  };
}
