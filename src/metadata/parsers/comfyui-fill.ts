import { RecallBuilder } from './builder.js';
import { ComfyGraph } from './comfyui-graph.js';
import { mapComfyGraph } from './comfyui.js';

const FILLABLE = ['seed', 'steps', 'cfg_scale', 'width', 'height', 'positive_prompt', 'negative_prompt', 'scheduler', 'clip_skip', 'vae_model', 'model'] as const;

/**
 * Tools that run ComfyUI underneath (SwarmUI, Stability Matrix, TensorArt) also embed its graph.
 * Their own record comes first; the graph only fills what that record leaves out, such as
 * TensorArt's seed (recorded as -1, "random") or LoRA loaders the record does not list.
 */
export function fillFromComfyGraph(promptEntry: string | undefined, out: RecallBuilder, fields: readonly (typeof FILLABLE)[number][] = FILLABLE): void {
  const graph = ComfyGraph.parse(promptEntry);
  if (!graph) return;
  const scratch = new RecallBuilder(out.schedulerMatch);
  mapComfyGraph(graph, scratch);
  for (const field of fields) {
    if (scratch.parameters[field] !== undefined && !out.has(field)) out.set(field, scratch.parameters[field], field);
  }
  if (!out.has('loras')) for (const lora of scratch.parameters.loras ?? []) out.addLora(lora, undefined, 'prompt graph');
}
