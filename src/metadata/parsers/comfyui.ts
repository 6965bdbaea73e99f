import { zImageName } from '../../shared/images.js';
import { parseJsonObject } from '../text.js';
import { parseA1111Text, parseParamPairs } from './a1111-text.js';
import { clipSkipFromLayerCount, type RecallBuilder, toNumber } from './builder.js';
import { ComfyGraph, type ComfyNode, isLink, isOutput, isSampler } from './comfyui-graph.js';
import { workflowToPrompt } from './comfyui-workflow.js';
import { modelNameFromFile } from './models.js';
import type { ToolParser } from './types.js';

const MAX_CHAIN = 64;
const MAX_LISTED_SAMPLERS = 16;

interface SamplerSettings {
  seed?: unknown;
  steps?: unknown;
  cfg?: unknown;
  sampler?: unknown;
  scheduler?: unknown;
  denoise?: unknown;
  model?: unknown;
  positive?: unknown;
  negative?: unknown;
}

/** Reads a sampler's settings, looking through SamplerCustom(Advanced)'s noise, guider, sampler and sigmas nodes. */
function readSampler(graph: ComfyGraph, node: ComfyNode): SamplerSettings {
  const ins = node.inputs;
  const s: SamplerSettings = {
    seed: graph.value(ins.seed ?? ins.noise_seed, ['seed', 'noise_seed', 'value', 'int']),
    steps: graph.value(ins.steps, ['steps', 'value', 'int']),
    cfg: graph.value(ins.cfg, ['cfg', 'value', 'float']),
    sampler: graph.value(ins.sampler_name, ['sampler_name', 'value']),
    scheduler: graph.value(ins.scheduler, ['scheduler', 'value']),
    denoise: graph.value(ins.denoise, ['denoise', 'value', 'float']),
    model: ins.model,
    positive: ins.positive,
    negative: ins.negative,
  };
  if (isLink(ins.noise)) s.seed ??= graph.value(ins.noise, ['noise_seed', 'seed', 'value']);
  if (isLink(ins.sampler)) s.sampler ??= graph.value(ins.sampler, ['sampler_name', 'value']);
  const sigmas = graph.follow(ins.sigmas);
  if (sigmas) {
    s.scheduler ??= graph.value(sigmas.inputs.scheduler, ['scheduler']) ?? (/karras/i.test(sigmas.classType) ? 'karras' : sigmas.classType);
    s.steps ??= graph.value(sigmas.inputs.steps, ['steps', 'value', 'int']);
    s.denoise ??= graph.value(sigmas.inputs.denoise, ['denoise', 'value', 'float']);
    s.model ??= sigmas.inputs.model;
  }
  const guider = graph.follow(ins.guider);
  if (guider) {
    s.cfg ??= graph.value(guider.inputs.cfg, ['cfg', 'value', 'float']);
    s.model ??= guider.inputs.model;
    s.positive ??= guider.inputs.positive ?? guider.inputs.conditioning;
    s.negative ??= guider.inputs.negative;
  }
  return s;
}

const isLoader = (n: ComfyNode): boolean => ['ckpt_name', 'unet_name', 'base_ckpt_name'].some((k) => typeof n.inputs[k] === 'string');
const isEmptyLatent = (n: ComfyNode): boolean => 'width' in n.inputs && 'height' in n.inputs;

function hasFullChain(graph: ComfyGraph, node: ComfyNode): boolean {
  const s = readSampler(graph, node);
  return graph.findUpstream(s.model, isLoader).length > 0 && graph.findUpstream(node.inputs.latent_image, isEmptyLatent).length > 0;
}

/**
 * The sampling passes behind the saved image, first pass first. The sampler nearest the save node
 * is the last pass; a sampler upstream of its latent input (hires fix, refiner) comes before it.
 */
function samplerChain(graph: ComfyGraph): ComfyNode[] {
  const outputs = [...graph.nodes.values()].filter(isOutput).sort((a, b) => Number(/preview/i.test(a.classType)) - Number(/preview/i.test(b.classType)));
  let last: ComfyNode | undefined;
  for (const output of outputs) {
    last = graph.findUpstream(output.inputs.images, isSampler)[0];
    if (last) break;
  }
  if (!last) {
    // Nothing saved traces back to a sampler: take the first one wired up from checkpoint to latent.
    const samplers = [...graph.nodes.values()].filter(isSampler);
    last = samplers.find((n) => hasFullChain(graph, n)) ?? samplers[0];
  }
  if (!last) return [];
  const chain = [last];
  for (let i = 0; i < MAX_CHAIN; i++) {
    const prev = graph.findUpstream((chain[0] as ComfyNode).inputs.latent_image, isSampler)[0];
    if (!prev || chain.includes(prev)) break;
    chain.unshift(prev);
  }
  return chain;
}

function imageName(graph: ComfyGraph, link: unknown): string | undefined {
  const node = graph.follow(link);
  const name = node && /loadimage/i.test(node.classType) ? node.inputs.image : undefined;
  return typeof name === 'string' && zImageName.safeParse(name).success ? name : undefined;
}

function addControlNet(graph: ComfyGraph, node: ComfyNode, out: RecallBuilder): void {
  const loader = graph.follow(node.inputs.control_net);
  const file = loader?.inputs.control_net_name;
  if (typeof file !== 'string') return;
  // Only a control image loaded as-is can be recalled; a preprocessed one exists only inside ComfyUI.
  const image = imageName(graph, node.inputs.image);
  if (!image) out.keep('control_image', `${node.classType} ${node.id}: the control image is not a loaded file of outputs/images`);
  out.addControlLayer(
    {
      model_name: modelNameFromFile(file),
      image_name: image ?? null,
      weight: toNumber(graph.value(node.inputs.strength)) ?? 1,
      begin_step_percent: toNumber(graph.value(node.inputs.start_percent)) ?? 0,
      end_step_percent: toNumber(graph.value(node.inputs.end_percent)) ?? 1,
    },
    undefined,
    `${node.classType} ${node.id}`,
  );
}

const TEXT_KEYS = ['text', 'text_g', 't5xxl', 'prompt', 'clip_l'] as const;

/** Follows a conditioning input back to its text encoder, noting ControlNets and FLUX guidance on the way. */
function readConditioning(graph: ComfyGraph, start: unknown, polarity: 'positive' | 'negative', out: RecallBuilder): { text?: string; encoder?: ComfyNode } {
  let v = start;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const node = graph.follow(v);
    if (!node) return {};
    const ins = node.inputs;
    const textKey = TEXT_KEYS.find((k) => k in ins);
    if (textKey && 'clip' in ins) {
      if (polarity === 'positive') out.set('guidance', toNumber(graph.value(ins.guidance)), 'guidance');
      if (typeof ins.text_l === 'string' && ins.text_l !== ins.text_g) out.keep(`${polarity}_text_l`, ins.text_l);
      return { text: graph.text(ins[textKey]), encoder: node };
    }
    if (polarity === 'positive' && 'control_net' in ins) addControlNet(graph, node, out);
    if (polarity === 'positive' && /guidance/i.test(node.classType)) out.set('guidance', toNumber(graph.value(ins.guidance)), 'guidance');
    const conditioningLink = Object.keys(ins).find((k) => k.startsWith('conditioning') && isLink(ins[k]));
    v = isLink(ins[polarity]) ? ins[polarity] : conditioningLink ? ins[conditioningLink] : undefined;
  }
  return {};
}

function firstString(ins: Record<string, unknown>, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = ins[n];
    if (typeof v === 'string' && v !== '' && v !== 'None') return v;
  }
  return undefined;
}

interface FoundLora {
  nodeId: string;
  name: string;
  weight: number;
}

/** Follows the sampler's model input back to the checkpoint, collecting LoRA loaders and IP adapters. */
function readModelChain(graph: ComfyGraph, start: unknown, out: RecallBuilder, loras: FoundLora[]): void {
  let v = start;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const node = graph.follow(v);
    if (!node) return;
    const ins = node.inputs;
    const lora = firstString(ins, ['lora_name']);
    if (lora) loras.push({ nodeId: node.id, name: modelNameFromFile(lora), weight: toNumber(graph.value(ins.strength_model ?? ins.strength ?? ins.lora_model_strength)) ?? 1 });
    for (const [key, slot] of Object.entries(ins)) {
      // rgthree's Power Lora Loader: lora_1, lora_2, ... = {on, lora, strength}
      if (/^lora_\d+$/.test(key) && slot && typeof slot === 'object' && 'lora' in slot) {
        const s = slot as { on?: unknown; lora?: unknown; strength?: unknown };
        if (s.on !== false && typeof s.lora === 'string' && s.lora !== 'None') loras.push({ nodeId: `${node.id}.${key}`, name: modelNameFromFile(s.lora), weight: toNumber(s.strength) ?? 1 });
      }
    }
    if (/ipadapter/i.test(node.classType) && 'image' in ins && 'weight' in ins) readIpAdapter(graph, node, out);
    const checkpoint = firstString(ins, ['ckpt_name', 'unet_name', 'base_ckpt_name']);
    if (checkpoint) {
      out.setModel('model', modelNameFromFile(checkpoint), undefined, 'ckpt_name');
      const vae = firstString(ins, ['vae_name']);
      if (vae && !/baked/i.test(vae)) out.setModel('vae_model', modelNameFromFile(vae), undefined, 'vae_name');
      return;
    }
    v = ins.model;
  }
}

function readIpAdapter(graph: ComfyGraph, node: ComfyNode, out: RecallBuilder): void {
  const loader = graph.follow(node.inputs.ipadapter);
  const file = loader ? firstString(loader.inputs, ['ipadapter_file', 'preset']) : undefined;
  if (!file) return;
  const weightType = String(graph.value(node.inputs.weight_type) ?? '');
  out.addIpAdapter(
    {
      model_name: modelNameFromFile(file),
      image_name: imageName(graph, node.inputs.image) ?? null,
      weight: toNumber(graph.value(node.inputs.weight)) ?? 1,
      begin_step_percent: toNumber(graph.value(node.inputs.start_at)) ?? 0,
      end_step_percent: toNumber(graph.value(node.inputs.end_at)) ?? 1,
      method: /style/i.test(weightType) ? 'style' : /composition/i.test(weightType) ? 'composition' : 'full',
    },
    undefined,
    `${node.classType} ${node.id}`,
  );
}

/** Follows a text encoder's clip input: CLIP skip, and LoRA loaders that only the CLIP path passes. */
function readClipChain(graph: ComfyGraph, encoder: ComfyNode, out: RecallBuilder, loras: FoundLora[]): void {
  let v = encoder.inputs.clip;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const node = graph.follow(v);
    if (!node) return;
    const stop = toNumber(graph.value(node.inputs.stop_at_clip_layer));
    if (stop !== undefined) out.set('clip_skip', clipSkipFromLayerCount(stop), 'stop_at_clip_layer');
    const lora = firstString(node.inputs, ['lora_name']);
    if (lora && !loras.some((l) => l.nodeId === node.id)) {
      loras.push({ nodeId: node.id, name: modelNameFromFile(lora), weight: toNumber(graph.value(node.inputs.strength_clip)) ?? 1 });
    }
    v = node.inputs.clip;
  }
}

/** The empty latent the first pass starts from gives the size; an encoded image means image-to-image. */
function readLatent(graph: ComfyGraph, start: unknown, out: RecallBuilder): void {
  let v = start;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const node = graph.follow(v);
    if (!node) return;
    const ins = node.inputs;
    if ('width' in ins && 'height' in ins) {
      out.set('width', toNumber(graph.value(ins.width, ['width', 'value', 'int'])), 'width');
      out.set('height', toNumber(graph.value(ins.height, ['height', 'value', 'int'])), 'height');
      return;
    }
    if (/vaeencode/i.test(node.classType)) {
      out.keep('init_image', imageName(graph, ins.pixels) ?? `${node.classType} ${node.id}`);
      return;
    }
    v = ins.samples ?? ins.latent ?? ins.latent_image ?? ComfyGraph.links(node)[0]?.[1];
  }
}

function readVae(graph: ComfyGraph, out: RecallBuilder): void {
  const output = [...graph.nodes.values()].find(isOutput);
  const decode = output ? graph.findUpstream(output.inputs.images, (n) => 'vae' in n.inputs && 'samples' in n.inputs)[0] : undefined;
  const loader = decode ? graph.follow(decode.inputs.vae) : undefined;
  const vae = loader ? firstString(loader.inputs, ['vae_name']) : undefined;
  if (vae) out.setModel('vae_model', modelNameFromFile(vae), undefined, 'vae_name');
}

/** The checkpoint a model input comes from, through LoRA loaders and other model patches. */
function checkpointOf(graph: ComfyGraph, start: unknown): string | undefined {
  let v = start;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const node = graph.follow(v);
    if (!node) return undefined;
    const checkpoint = firstString(node.inputs, ['ckpt_name', 'unet_name', 'base_ckpt_name']);
    if (checkpoint) return checkpoint;
    v = node.inputs.model;
  }
  return undefined;
}

/**
 * A later pass that samples with another checkpoint than the first is an SDXL-style refiner (a
 * hires pass reuses the first model). It maps onto the refiner fields: its model, steps and CFG,
 * where it takes over (the step it starts at in KSamplerAdvanced, or 1 - denoise), and the
 * aesthetic scores of CLIPTextEncodeSDXLRefiner.
 */
function readRefiner(graph: ComfyGraph, chain: readonly ComfyNode[], out: RecallBuilder): ComfyNode | undefined {
  const first = chain[0]!;
  const base = checkpointOf(graph, readSampler(graph, first).model);
  let refiner: { node: ComfyNode; checkpoint: string } | undefined;
  for (const node of chain.slice(1)) {
    const checkpoint = checkpointOf(graph, readSampler(graph, node).model);
    if (checkpoint !== undefined && checkpoint !== base) {
      refiner = { node, checkpoint };
      break;
    }
  }
  if (!refiner) return undefined;
  const s = readSampler(graph, refiner.node);
  out.setModel('refiner_model', modelNameFromFile(refiner.checkpoint), undefined, 'refiner ckpt_name');
  const steps = toNumber(s.steps);
  out.set('refiner_steps', steps, 'refiner steps');
  out.set('refiner_cfg_scale', toNumber(s.cfg), 'refiner cfg');
  const startStep = toNumber(graph.value(refiner.node.inputs.start_at_step));
  const denoise = toNumber(s.denoise);
  const start = startStep !== undefined && steps ? startStep / steps : denoise !== undefined ? 1 - denoise : undefined;
  if (start !== undefined) out.set('refiner_denoise_start', Math.min(1, Math.max(0, Math.round(start * 1000) / 1000)), 'refiner start_at_step');
  const score = (link: unknown) => toNumber(graph.value(graph.findUpstream(link, (n) => 'ascore' in n.inputs)[0]?.inputs.ascore));
  out.set('refiner_positive_aesthetic_score', score(s.positive), 'refiner positive ascore');
  out.set('refiner_negative_aesthetic_score', score(s.negative), 'refiner negative ascore');
  return refiner.node;
}

function summary(graph: ComfyGraph, node: ComfyNode): Record<string, unknown> {
  const s = readSampler(graph, node);
  return { node: node.id, class_type: node.classType, seed: s.seed, steps: s.steps, cfg: s.cfg, sampler_name: s.sampler, scheduler: s.scheduler, denoise: s.denoise };
}

/** Maps a ComfyUI API graph onto the recall fields; shared by the tools that embed one. */
export function mapComfyGraph(graph: ComfyGraph, out: RecallBuilder): void {
  const chain = samplerChain(graph);
  const first = chain[0];
  if (!first) {
    out.keep('prompt', 'workflow has no sampler node');
    return;
  }
  const s = readSampler(graph, first);
  out.set('seed', toNumber(s.seed), 'seed');
  out.set('steps', toNumber(s.steps), 'steps');
  out.set('cfg_scale', toNumber(s.cfg), 'cfg');
  const denoise = toNumber(s.denoise);
  if (denoise !== undefined && denoise < 1) out.set('denoise_strength', denoise, 'denoise');
  out.setSampler('comfyui', s.sampler, s.scheduler, { sampler: 'sampler_name', schedule: 'scheduler' });
  const positive = readConditioning(graph, s.positive, 'positive', out);
  const negative = readConditioning(graph, s.negative, 'negative', out);
  out.set('positive_prompt', positive.text, 'positive_prompt');
  out.set('negative_prompt', negative.text, 'negative_prompt');
  const loras: FoundLora[] = [];
  readModelChain(graph, s.model, out, loras);
  if (positive.encoder) readClipChain(graph, positive.encoder, out, loras);
  // The model chain is walked from the sampler back; list LoRAs in the order they are applied.
  for (const lora of loras.reverse()) out.addLora({ model_name: lora.name, weight: lora.weight }, undefined, `lora ${lora.nodeId}`);
  readLatent(graph, first.inputs.latent_image, out);
  readVae(graph, out);
  const refiner = readRefiner(graph, chain, out);
  const others = [...graph.nodes.values()].filter((n) => isSampler(n) && n !== first && n !== refiner);
  if (others.length > 0) out.keep('other_samplers', others.slice(0, MAX_LISTED_SAMPLERS).map((n) => summary(graph, n)));
  if (others.length > MAX_LISTED_SAMPLERS) out.keep('other_samplers_not_listed', others.length - MAX_LISTED_SAMPLERS);
}

/** Hashes that SaveImageWithMetaData-style nodes write beside the graph in an A1111 `parameters` text. */
function readSidecarHashes(text: string | undefined, out: RecallBuilder): void {
  const a1111 = text === undefined ? undefined : parseA1111Text(text);
  if (!a1111) return;
  const p = a1111.params;
  const hashes = parseJsonObject(p.get('Hashes')) ?? {};
  const model = p.get('Model');
  out.refByName('model', model === undefined ? undefined : modelNameFromFile(model), { hash: p.get('Model hash') ?? hashes.model });
  const loraHashes = new Map(parseParamPairs(p.get('Lora hashes') ?? ''));
  for (const [k, v] of Object.entries(hashes)) if (k.startsWith('lora:') && typeof v === 'string') loraHashes.set(k.slice(5), v);
  (out.parameters.loras ?? []).forEach((lora, i) => {
    const hash = loraHashes.get(lora.model_name);
    if (hash) out.ref(`loras.${i}`, lora.model_name, { hash });
  });
}

/**
 * ComfyUI: the API graph in `prompt`, which is what ran. Without one, the UI `workflow`: the same
 * graph as the editor saved it, read the same way once its widget values are named.
 */
export const parseComfyUi: ToolParser = (entries, out) => {
  let graph = ComfyGraph.parse(entries.prompt);
  if (!graph) {
    graph = ComfyGraph.fromPrompt(workflowToPrompt(entries.workflow));
    if (!graph) {
      if (!Array.isArray(parseJsonObject(entries.workflow)?.nodes)) return undefined;
      out.keep('workflow', 'the UI workflow has no node that could be read');
      return { tool: 'comfyui', version: null };
    }
    out.keep('workflow', 'no API prompt graph in the image: parameters were read from the UI workflow');
    if (/\{[^{}|]*\|[^{}]*\}/.test(entries.workflow ?? '')) {
      out.keep('dynamic_prompts', 'the workflow has {a|b} choices, made anew for each run: the prompts show the template');
    }
  }
  mapComfyGraph(graph, out);
  readSidecarHashes(entries.parameters, out);
  return { tool: 'comfyui', version: null };
};
