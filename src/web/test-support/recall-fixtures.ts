import type { ModelBase, ModelType } from '../../shared/models.js';
import type { ResolvedControlLayer, ResolvedIpAdapter, ResolvedLora } from '../../shared/recall.js';
import type { ModelRef } from '../features/models/model-ref.js';

/** Builders of resolved recall entries as the server sends them, for slice and planner tests. */
export const model = (name: string, base: ModelBase, type: ModelType = 'main'): ModelRef => ({ key: `key-${name}`, name, base, type });

const info = (m: ModelRef) => ({ model_key: m.key, model_name: m.name, model_type: m.type, model_base: m.base });

export const lora = (name: string, weight = 0.75, base: ModelBase = 'sdxl'): ResolvedLora => ({ ...info(model(name, base, 'lora')), weight, is_enabled: true });

export const controlLayer = (name: string, type: ModelType = 'controlnet', extra: Partial<ResolvedControlLayer> = {}): ResolvedControlLayer => ({
  ...info(model(name, 'sdxl', type)),
  weight: 1,
  begin_step_percent: 0,
  end_step_percent: 1,
  ...extra,
});

export const ipAdapter = (name: string, extra: Partial<ResolvedIpAdapter> = {}, base: ModelBase = 'sd-1', type: ModelType = 'ip_adapter'): ResolvedIpAdapter => ({
  ...info(model(name, base, type)),
  weight: 1,
  begin_step_percent: 0,
  end_step_percent: 1,
  method: 'full',
  ...extra,
});

export const image = (image_name: string, width = 512, height = 512) => ({ image_name, width, height });
