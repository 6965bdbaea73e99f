import fsp from 'node:fs/promises';
import path from 'node:path';
import { MODEL_BASES, MODEL_TYPES, type ModelBase, type ModelFormat, type ModelType } from '../../shared/models.js';
import type { SafetensorsHeader } from './safetensors.js';

/** What a probe could tell; missing parts are filled from the folder convention. */
export interface ProbeResult {
  type?: ModelType;
  base?: ModelBase;
  format?: ModelFormat;
}

const keysStartingWith = (h: SafetensorsHeader, prefix: string): boolean => {
  for (const k of h.tensors.keys()) if (k.startsWith(prefix)) return true;
  return false;
};
const anyKey = (h: SafetensorsHeader, re: RegExp): string | undefined => {
  for (const k of h.tensors.keys()) if (re.test(k)) return k;
  return undefined;
};
const lastDim = (h: SafetensorsHeader, re: RegExp): number | undefined => {
  const k = anyKey(h, re);
  const shape = k ? h.tensors.get(k)?.shape : undefined;
  return shape?.[shape.length - 1];
};

/** Base from a cross-attention (text context) width: the one dimension that tells SD generations apart. */
function baseFromContextDim(dim: number | undefined): ModelBase | undefined {
  switch (dim) {
    case 768:
      return 'sd-1';
    case 1024:
      return 'sd-2';
    case 2048:
      return 'sdxl';
    case 1280:
      return 'sdxl-refiner';
    default:
      return undefined;
  }
}

/** Base named by the modelspec or kohya metadata that trainers write into the header. */
function baseFromMetadata(meta: Record<string, string>): ModelBase | undefined {
  const text = `${meta['modelspec.architecture'] ?? ''} ${meta['ss_base_model_version'] ?? ''}`.toLowerCase();
  if (!text.trim()) return undefined;
  if (/flux[-_.]?2|flux2/.test(text)) return 'flux2';
  if (/flux/.test(text)) return 'flux';
  if (/sdxl.*refiner|xl-v1-refiner/.test(text)) return 'sdxl-refiner';
  if (/sdxl|stable-diffusion-xl/.test(text)) return 'sdxl';
  if (/stable-diffusion-3|sd3/.test(text)) return 'sd-3';
  if (/sd_v2|stable-diffusion-v2/.test(text)) return 'sd-2';
  if (/sd_v1|stable-diffusion-v1/.test(text)) return 'sd-1';
  if (/qwen/.test(text)) return 'qwen-image';
  return undefined;
}

const LORA_KEY = /(lora_(up|down|A|B)\.weight|\.lora\.(up|down)\.weight|hada_w1_a|lokr_w1|\.alpha$)/;

function loraBase(h: SafetensorsHeader): ModelBase | undefined {
  if (anyKey(h, /(lora_unet_(double|single)_blocks|double_blocks\.|single_blocks\.|transformer\.single_transformer_blocks|single_transformer_blocks\.)/)) return 'flux';
  if (keysStartingWith(h, 'lora_te1_') || keysStartingWith(h, 'lora_te2_') || keysStartingWith(h, 'lora_unet_input_blocks_') || keysStartingWith(h, 'lora_unet_label_emb')) return 'sdxl';
  const te = lastDim(h, /^lora_te_text_model_encoder_layers_0_(mlp_fc1|self_attn_q_proj)\.lora_down\.weight$/);
  if (te === 768) return 'sd-1';
  if (te === 1024) return 'sd-2';
  const ctx = lastDim(h, /attn2_to_k\.lora_down\.weight$/) ?? lastDim(h, /attn2\.to_k\.lora_A\.weight$/);
  return baseFromContextDim(ctx);
}

/** Classifies a safetensors file from its tensor names and shapes. */
export function probeSafetensors(h: SafetensorsHeader): ProbeResult {
  const metaBase = baseFromMetadata(h.metadata);
  const arch = (h.metadata['modelspec.architecture'] ?? '').toLowerCase();

  if (h.tensors.has('redux_up.weight') && h.tensors.has('redux_down.weight')) {
    return { type: 'flux_redux', base: 'flux', format: 'checkpoint' };
  }
  if (keysStartingWith(h, 'image_proj.') && keysStartingWith(h, 'ip_adapter.')) {
    return { type: 'ip_adapter', base: baseFromContextDim(lastDim(h, /^ip_adapter\.\d+\.to_k_ip\.weight$/)), format: 'checkpoint' };
  }
  if (anyKey(h, /ip_adapter_double_stream_k_proj/)) return { type: 'ip_adapter', base: 'flux', format: 'checkpoint' };
  if (keysStartingWith(h, 'vision_model.encoder.') || keysStartingWith(h, 'visual.transformer.')) {
    return { type: 'clip_vision', base: 'any', format: 'checkpoint' };
  }
  if (keysStartingWith(h, 'control_model.') || keysStartingWith(h, 'controlnet_cond_embedding.') || keysStartingWith(h, 'controlnet_x_embedder.')) {
    const base = keysStartingWith(h, 'controlnet_x_embedder.') || anyKey(h, /double_blocks|transformer_blocks\.\d+\.attn\.to_add_out/)
      ? 'flux'
      : baseFromContextDim(lastDim(h, /(input_blocks\.1\.1|down_blocks\.0\.attentions\.0)\.transformer_blocks\.0\.attn2\.to_k\.weight$/) ?? lastDim(h, /attn2\.to_k\.weight$/));
    return { type: 'controlnet', base, format: 'checkpoint' };
  }
  if (keysStartingWith(h, 'adapter.body.') || (h.tensors.has('conv_in.weight') && keysStartingWith(h, 'body.'))) {
    return { type: 't2i_adapter', format: 'checkpoint' };
  }
  if (anyKey(h, LORA_KEY) || arch.endsWith('/lora')) {
    // A FLUX Control LoRA widens the image input to 128 channels (64 latent + 64 control).
    const imgIn = anyKey(h, /img_in\.lora_A\.weight$/);
    if (imgIn && h.tensors.get(imgIn)?.shape[1] === 128) return { type: 'control_lora', base: 'flux', format: 'checkpoint' };
    return { type: 'lora', base: metaBase ?? loraBase(h), format: anyKey(h, /hada_w1_a|lokr_w1/) ? 'lycoris' : 'checkpoint' };
  }
  const hasEncoder = h.tensors.has('encoder.conv_in.weight') || h.tensors.has('first_stage_model.encoder.conv_in.weight');
  const isMain = keysStartingWith(h, 'model.diffusion_model.') || anyKey(h, /^(double_blocks|joint_blocks|transformer_blocks|noise_refiner)\.0\./);
  if (hasEncoder && !isMain) {
    const latent = h.tensors.get('decoder.conv_in.weight')?.shape[1];
    return { type: 'vae', base: latent === 16 ? 'flux' : latent === 32 ? 'flux2' : undefined, format: 'checkpoint' };
  }
  if (isMain) {
    return { type: 'main', base: metaBase ?? mainBase(h), format: 'checkpoint' };
  }
  return metaBase ? { base: metaBase } : {};
}

function mainBase(h: SafetensorsHeader): ModelBase | undefined {
  const p = keysStartingWith(h, 'model.diffusion_model.') ? 'model.diffusion_model.' : '';
  if (anyKey(h, /double_stream_modulation_img/)) return 'flux2';
  if (keysStartingWith(h, `${p}double_blocks.`)) return 'flux';
  if (keysStartingWith(h, `${p}joint_blocks.`)) return 'sd-3';
  if (anyKey(h, /transformer_blocks\.0\.img_mod\./)) return 'qwen-image';
  if (keysStartingWith(h, `${p}noise_refiner.`)) return 'z-image';
  if (keysStartingWith(h, 'conditioner.embedders.1.')) return 'sdxl';
  const ctx = lastDim(h, /input_blocks\.(1|4)\.1\.transformer_blocks\.0\.attn2\.to_k\.weight$/);
  return baseFromContextDim(ctx);
}

/** Pipeline class names of diffusers folders, with the base each implies. */
const PIPELINES: Record<string, ModelBase> = {
  StableDiffusionPipeline: 'sd-1',
  StableDiffusionInpaintPipeline: 'sd-1',
  StableDiffusionXLPipeline: 'sdxl',
  StableDiffusionXLInpaintPipeline: 'sdxl',
  StableDiffusionXLImg2ImgPipeline: 'sdxl-refiner',
  StableDiffusion3Pipeline: 'sd-3',
  FluxPipeline: 'flux',
  FluxKontextPipeline: 'flux',
  Flux2Pipeline: 'flux2',
  Flux2KleinPipeline: 'flux2',
  QwenImagePipeline: 'qwen-image',
  QwenImageEditPipeline: 'qwen-image',
  QwenImageEditPlusPipeline: 'qwen-image',
  CogView4Pipeline: 'cogview4',
  ZImagePipeline: 'z-image',
};

async function readJson(file: string): Promise<Record<string, unknown> | null> {
  try {
    const text = await fsp.readFile(file, 'utf8');
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Classifies a diffusers (or InvokeAI) model folder; null when the folder is not a model. */
export async function probeFolder(dir: string): Promise<ProbeResult | null> {
  const index = await readJson(path.join(dir, 'model_index.json'));
  if (index) {
    const cls = String(index._class_name ?? '');
    let base = PIPELINES[cls];
    if (base === 'sd-1') {
      const unet = await readJson(path.join(dir, 'unet', 'config.json'));
      base = baseFromContextDim(Number(unet?.cross_attention_dim)) ?? 'sd-1';
    }
    return { type: 'main', base, format: 'diffusers' };
  }
  const config = await readJson(path.join(dir, 'config.json'));
  if (config) {
    const cls = String(config._class_name ?? config.architectures ?? '');
    if (cls === 'ControlNetModel') return { type: 'controlnet', base: baseFromContextDim(Number(config.cross_attention_dim)), format: 'diffusers' };
    if (cls === 'FluxControlNetModel') return { type: 'controlnet', base: 'flux', format: 'diffusers' };
    if (cls === 'T2IAdapter') return { type: 't2i_adapter', base: String(config.adapter_type).includes('xl') ? 'sdxl' : 'sd-1', format: 'diffusers' };
    if (cls === 'AutoencoderKL') {
      const ch = Number(config.latent_channels);
      const base: ModelBase | undefined = ch === 16 ? 'flux' : ch === 32 ? 'flux2' : Number(config.scaling_factor) === 0.13025 ? 'sdxl' : undefined;
      return { type: 'vae', base, format: 'diffusers' };
    }
    if (cls.includes('CLIPVisionModel')) return { type: 'clip_vision', base: 'any', format: 'diffusers' };
  }
  try {
    await fsp.access(path.join(dir, 'ip_adapter.bin'));
    return { type: 'ip_adapter', format: 'invokeai' };
  } catch {
    return null;
  }
}

/** `models/{base}/{type}/...`: InvokeAI's own layout, used where the file itself cannot tell. */
export function probeFolderConvention(relPath: string): ProbeResult {
  const parts = relPath.split(path.sep);
  const result: ProbeResult = {};
  if (parts.length >= 3) {
    if ((MODEL_BASES as readonly string[]).includes(parts[0]!)) result.base = parts[0] as ModelBase;
    if ((MODEL_TYPES as readonly string[]).includes(parts[1]!)) result.type = parts[1] as ModelType;
  }
  return result;
}
