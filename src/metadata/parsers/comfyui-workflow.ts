import { LIMITS } from '../limits.js';
import { isRecord, parseJsonObject } from '../text.js';

/**
 * ComfyUI's UI "workflow" (the LiteGraph document the editor saves) turned into the API "prompt"
 * shape the graph parser reads: `{[node id]: {class_type, inputs}}`. Images from tools that embed
 * only the workflow (or whose prompt graph was stripped) are then read like any other.
 *
 * A workflow names a node's links by input but keeps its widget values in a bare list, in widget
 * order; the names come from the node's widget inputs when the editor wrote them, else from the
 * table of core nodes below. Unknown nodes keep their links, so walks pass through them.
 */

export type PromptGraph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

/** Widget names of core nodes, in the order of `widgets_values`. */
const WIDGETS: Record<string, readonly string[]> = {
  KSampler: ['seed', 'steps', 'cfg', 'sampler_name', 'scheduler', 'denoise'],
  KSamplerAdvanced: ['add_noise', 'noise_seed', 'steps', 'cfg', 'sampler_name', 'scheduler', 'start_at_step', 'end_at_step', 'return_with_leftover_noise'],
  SamplerCustom: ['add_noise', 'noise_seed', 'cfg'],
  RandomNoise: ['noise_seed'],
  KSamplerSelect: ['sampler_name'],
  BasicScheduler: ['scheduler', 'steps', 'denoise'],
  CFGGuider: ['cfg'],
  CheckpointLoaderSimple: ['ckpt_name'],
  UNETLoader: ['unet_name', 'weight_dtype'],
  VAELoader: ['vae_name'],
  LoraLoader: ['lora_name', 'strength_model', 'strength_clip'],
  LoraLoaderModelOnly: ['lora_name', 'strength_model'],
  CLIPSetLastLayer: ['stop_at_clip_layer'],
  CLIPTextEncode: ['text'],
  CLIPTextEncodeSDXL: ['width', 'height', 'crop_w', 'crop_h', 'target_width', 'target_height', 'text_g', 'text_l'],
  CLIPTextEncodeSDXLRefiner: ['ascore', 'width', 'height', 'text'],
  CLIPTextEncodeFlux: ['clip_l', 't5xxl', 'guidance'],
  FluxGuidance: ['guidance'],
  EmptyLatentImage: ['width', 'height', 'batch_size'],
  EmptySD3LatentImage: ['width', 'height', 'batch_size'],
  LatentUpscaleBy: ['upscale_method', 'scale_by'],
  LoadImage: ['image', 'upload'],
  ControlNetLoader: ['control_net_name'],
  ControlNetApply: ['strength'],
  ControlNetApplyAdvanced: ['strength', 'start_percent', 'end_percent'],
  SaveImage: ['filename_prefix'],
  PrimitiveNode: ['value'],
};

/** What the editor stores after a seed-like number: how to change it after each run. */
const CONTROL_VALUES = new Set(['fixed', 'increment', 'decrement', 'randomize']);

/** Widgets whose text ComfyUI cleans of comments before running it. */
const PROMPT_WIDGETS = new Set(['text', 'text_g', 'text_l', 't5xxl', 'clip_l']);

/** LiteGraph modes: 2 = muted (never ran), 4 = bypassed (its inputs pass straight through). */
const MUTED = 2;
const BYPASSED = 4;

type LinkEnds = Map<number, [string, number]>;

/** Links by id, from either the array form `[id, from, fromSlot, to, toSlot, type]` or the object form. */
function readLinks(links: unknown): LinkEnds {
  const ends: LinkEnds = new Map();
  if (!Array.isArray(links)) return ends;
  for (const l of links.slice(0, LIMITS.graphSteps)) {
    if (Array.isArray(l) && typeof l[0] === 'number' && typeof l[2] === 'number' && (typeof l[1] === 'number' || typeof l[1] === 'string')) {
      ends.set(l[0], [String(l[1]), l[2]]);
    } else if (isRecord(l) && typeof l.id === 'number' && typeof l.origin_slot === 'number' && (typeof l.origin_id === 'number' || typeof l.origin_id === 'string')) {
      ends.set(l.id, [String(l.origin_id), l.origin_slot]);
    }
  }
  return ends;
}

/**
 * ComfyUI strips `/* … *\/` and `// …` comments from prompt text when it queues a run, so the text
 * that ran is the workflow's text without them.
 */
export function stripPromptComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
}

/** Names for a node's widget values: the editor's own widget inputs when present, else the table. */
function widgetNames(type: string, inputs: unknown[]): readonly string[] | undefined {
  const named = inputs.flatMap((i) => (isRecord(i) && isRecord(i.widget) && typeof i.widget.name === 'string' ? [i.widget.name] : []));
  const known = WIDGETS[type];
  return known && known.length >= named.length ? known : named.length > 0 ? named : known;
}

/** Pairs names with values, skipping the "control after generate" value that follows a seed. */
function widgetValues(names: readonly string[], values: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let v = 0;
  for (const name of names) {
    if (v >= values.length) break;
    const value = values[v++];
    out[name] = PROMPT_WIDGETS.has(name) && typeof value === 'string' ? stripPromptComments(value) : value;
    if (typeof value === 'number' && typeof values[v] === 'string' && CONTROL_VALUES.has(values[v] as string)) v++;
  }
  return out;
}

/** The API prompt graph a workflow describes, or undefined when the text is not a workflow. */
export function workflowToPrompt(text: string | undefined): PromptGraph | undefined {
  const json = parseJsonObject(text);
  if (!json || !Array.isArray(json.nodes)) return undefined;
  const links = readLinks(json.links);
  const graph: PromptGraph = {};
  for (const node of json.nodes.slice(0, LIMITS.graphSteps)) {
    if (!isRecord(node) || (typeof node.id !== 'number' && typeof node.id !== 'string') || typeof node.type !== 'string') continue;
    if (node.mode === MUTED) continue;
    const inputList = Array.isArray(node.inputs) ? node.inputs : [];
    const inputs: Record<string, unknown> = {};
    const values = node.widgets_values;
    if (isRecord(values)) Object.assign(inputs, values);
    else if (Array.isArray(values)) Object.assign(inputs, widgetValues(widgetNames(node.type, inputList) ?? [], values));
    // A linked input wins over the widget value it replaces.
    for (const input of inputList) {
      if (!isRecord(input) || typeof input.name !== 'string' || typeof input.link !== 'number') continue;
      const end = links.get(input.link);
      if (end) inputs[input.name] = end;
    }
    // A bypassed node is kept for its links only, under a name no parser rule matches.
    const classType = node.mode === BYPASSED ? `(bypassed) ${node.type}` : node.type;
    graph[String(node.id)] = { class_type: classType, inputs: node.mode === BYPASSED ? onlyLinks(inputs) : inputs };
  }
  return Object.keys(graph).length > 0 ? graph : undefined;
}

function onlyLinks(inputs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(inputs).filter(([, v]) => Array.isArray(v)));
}
