import { describe, expect, it } from 'vitest';
import { zRecallParameters } from '../../shared/recall.js';
import { interpretMetadata } from './index.js';

function parse(prompt: object, extra: Record<string, string> = {}) {
  const r = interpretMetadata({ format: 'png', width: 64, height: 64, entries: { prompt: JSON.stringify(prompt), ...extra } });
  if (r.status !== 'found') throw new Error('expected metadata');
  expect(r.source).toEqual({ tool: 'comfyui', version: null });
  expect(zRecallParameters.safeParse(r.parameters).success).toBe(true);
  return r;
}

const node = (class_type: string, inputs: Record<string, unknown>) => ({ class_type, inputs });

/** txt2img, then a hires pass that upscales the latent and samples it again. */
const HIRES_GRAPH = {
  ckpt: node('CheckpointLoaderSimple', { ckpt_name: 'SDXL\\juggernautXL_v9.safetensors' }),
  lora1: node('LoraLoader', { model: ['ckpt', 0], clip: ['ckpt', 1], lora_name: 'add-detail-xl.safetensors', strength_model: 0.8, strength_clip: 0.8 }),
  lora2: node('LoraLoader', { model: ['lora1', 0], clip: ['lora1', 1], lora_name: 'styles/pixel-art.safetensors', strength_model: 1.1, strength_clip: 1 }),
  skip: node('CLIPSetLastLayer', { clip: ['lora2', 1], stop_at_clip_layer: -2 }),
  text: node('PrimitiveNode', { value: 'a tiny robot watering plants' }),
  reroute: node('Reroute', { '': ['text', 0] }),
  pos: node('CLIPTextEncode', { clip: ['skip', 0], text: ['reroute', 0] }),
  neg: node('CLIPTextEncode', { clip: ['skip', 0], text: 'blurry, watermark' }),
  seed: node('Seed (rgthree)', { seed: 1234567 }),
  latent: node('EmptyLatentImage', { width: 896, height: 1152, batch_size: 1 }),
  base: node('KSampler', { model: ['lora2', 0], positive: ['pos', 0], negative: ['neg', 0], latent_image: ['latent', 0], seed: ['seed', 0], steps: 30, cfg: 6.5, sampler_name: 'dpmpp_2m', scheduler: 'karras', denoise: 1 }),
  up: node('LatentUpscaleBy', { samples: ['base', 0], upscale_method: 'nearest-exact', scale_by: 1.5 }),
  hires: node('KSampler', { model: ['lora2', 0], positive: ['pos', 0], negative: ['neg', 0], latent_image: ['up', 0], seed: 99, steps: 15, cfg: 6.5, sampler_name: 'euler', scheduler: 'normal', denoise: 0.45 }),
  vae: node('VAELoader', { vae_name: 'sdxl_vae.safetensors' }),
  decode: node('VAEDecode', { samples: ['hires', 0], vae: ['vae', 0] }),
  preview: node('PreviewImage', { images: ['decode', 0] }),
  save: node('SaveImage', { images: ['decode', 0], filename_prefix: 'robot' }),
};

/** ComfyUI's SDXL base + refiner layout: two KSamplerAdvanced sharing one 25-step schedule, the refiner taking over at step 20. */
const REFINER_GRAPH = {
  '4': node('CheckpointLoaderSimple', { ckpt_name: 'sd_xl_base_1.0.safetensors' }),
  '12': node('CheckpointLoaderSimple', { ckpt_name: 'sd_xl_refiner_1.0.safetensors' }),
  '5': node('EmptyLatentImage', { width: 1024, height: 1024, batch_size: 1 }),
  '6': node('CLIPTextEncode', { clip: ['4', 1], text: 'evening sunset scenery blue sky nature, glass bottle with a galaxy in it' }),
  '7': node('CLIPTextEncode', { clip: ['4', 1], text: 'text, watermark' }),
  '15': node('CLIPTextEncodeSDXLRefiner', { clip: ['12', 1], ascore: 6, width: 1024, height: 1024, text: 'evening sunset scenery blue sky nature, glass bottle with a galaxy in it' }),
  '16': node('CLIPTextEncodeSDXLRefiner', { clip: ['12', 1], ascore: 2.5, width: 1024, height: 1024, text: 'text, watermark' }),
  '10': node('KSamplerAdvanced', {
    add_noise: 'enable', noise_seed: 721897303, steps: 25, cfg: 8, sampler_name: 'euler', scheduler: 'normal', start_at_step: 0, end_at_step: 20,
    return_with_leftover_noise: 'enable', model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0],
  }),
  '11': node('KSamplerAdvanced', {
    add_noise: 'disable', noise_seed: 0, steps: 25, cfg: 7, sampler_name: 'euler', scheduler: 'normal', start_at_step: 20, end_at_step: 10000,
    return_with_leftover_noise: 'disable', model: ['12', 0], positive: ['15', 0], negative: ['16', 0], latent_image: ['10', 0],
  }),
  '17': node('VAEDecode', { samples: ['11', 0], vae: ['12', 2] }),
  '19': node('SaveImage', { images: ['17', 0], filename_prefix: 'ComfyUI' }),
};

describe('ComfyUI prompt graph', () => {
  it('maps an SDXL refiner pass (another checkpoint after the first) onto the refiner fields', () => {
    const r = parse(REFINER_GRAPH);
    expect(r.parameters).toMatchObject({
      seed: 721897303,
      steps: 25,
      cfg_scale: 8,
      model: 'sd_xl_base_1.0',
      positive_prompt: 'evening sunset scenery blue sky nature, glass bottle with a galaxy in it',
      negative_prompt: 'text, watermark',
      width: 1024,
      height: 1024,
      refiner_model: 'sd_xl_refiner_1.0',
      refiner_steps: 25,
      refiner_cfg_scale: 7,
      refiner_denoise_start: 0.8,
      refiner_positive_aesthetic_score: 6,
      refiner_negative_aesthetic_score: 2.5,
    });
    // The refiner pass is mapped, so it is not listed among the samplers left aside.
    expect(r.unmapped.other_samplers).toBeUndefined();
  });

  it('reads where a plain KSampler refiner takes over from its denoise', () => {
    const graph = structuredClone(REFINER_GRAPH) as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
    graph['11'] = node('KSampler', { seed: 5, steps: 10, cfg: 5, sampler_name: 'euler', scheduler: 'normal', denoise: 0.25, model: ['12', 0], positive: ['15', 0], negative: ['16', 0], latent_image: ['10', 0] });
    const r = parse(graph);
    expect(r.parameters).toMatchObject({ refiner_model: 'sd_xl_refiner_1.0', refiner_steps: 10, refiner_cfg_scale: 5, refiner_denoise_start: 0.75 });
  });

  it('reads the first pass of a hires-fix chain and keeps the second pass aside', () => {
    const r = parse(HIRES_GRAPH);
    expect(r.parameters).toEqual({
      seed: 1234567,
      steps: 30,
      cfg_scale: 6.5,
      scheduler: 'dpmpp_2m_k',
      positive_prompt: 'a tiny robot watering plants',
      negative_prompt: 'blurry, watermark',
      model: 'juggernautXL_v9',
      clip_skip: 1,
      loras: [
        { model_name: 'add-detail-xl', weight: 0.8 },
        { model_name: 'pixel-art', weight: 1.1 },
      ],
      width: 896,
      height: 1152,
      vae_model: 'sdxl_vae',
    });
    expect(r.unmapped.other_samplers).toEqual([{ node: 'hires', class_type: 'KSampler', seed: 99, steps: 15, cfg: 6.5, sampler_name: 'euler', scheduler: 'normal', denoise: 0.45 }]);
  });

  it('follows SamplerCustomAdvanced through its noise, guider, sampler and sigmas nodes (a FLUX graph)', () => {
    const r = parse({
      unet: node('UNETLoader', { unet_name: 'flux1-dev.safetensors', weight_dtype: 'fp8_e4m3fn' }),
      clip: node('DualCLIPLoader', { clip_name1: 't5xxl_fp8.safetensors', clip_name2: 'clip_l.safetensors', type: 'flux' }),
      lora: node('LoraLoaderModelOnly', { model: ['unet', 0], lora_name: 'flux-realism.safetensors', strength_model: 0.9 }),
      text: node('CLIPTextEncode', { clip: ['clip', 0], text: 'a neon street at night' }),
      guidance: node('FluxGuidance', { conditioning: ['text', 0], guidance: 3.5 }),
      guider: node('BasicGuider', { model: ['lora', 0], conditioning: ['guidance', 0] }),
      noise: node('RandomNoise', { noise_seed: 8675309 }),
      select: node('KSamplerSelect', { sampler_name: 'euler' }),
      sigmas: node('BasicScheduler', { model: ['lora', 0], scheduler: 'simple', steps: 24, denoise: 1 }),
      latent: node('EmptySD3LatentImage', { width: 1344, height: 768, batch_size: 1 }),
      sample: node('SamplerCustomAdvanced', { noise: ['noise', 0], guider: ['guider', 0], sampler: ['select', 0], sigmas: ['sigmas', 0], latent_image: ['latent', 0] }),
      decode: node('VAEDecode', { samples: ['sample', 0], vae: ['vae', 0] }),
      vae: node('VAELoader', { vae_name: 'ae.safetensors' }),
      save: node('SaveImage', { images: ['decode', 0] }),
    });
    expect(r.parameters).toEqual({
      seed: 8675309,
      steps: 24,
      positive_prompt: 'a neon street at night',
      guidance: 3.5,
      model: 'flux1-dev',
      loras: [{ model_name: 'flux-realism', weight: 0.9 }],
      width: 1344,
      height: 768,
      vae_model: 'ae',
    });
    // "simple" sigmas are not InvokeAI's default schedule for euler.
    expect(r.unmapped).toMatchObject({ sampler_name: 'euler', scheduler: 'simple' });
  });

  it('reads an SDXL encoder, a ControlNet with its loaded image, and joined string nodes', () => {
    const r = parse({
      ckpt: node('CheckpointLoaderSimple', { ckpt_name: 'sdxl_base.safetensors' }),
      a: node('String Literal', { string: 'a castle' }),
      b: node('String Literal', { string: 'in the clouds' }),
      join: node('Text Concatenate', { text_a: ['a', 0], text_b: ['b', 0], delimiter: ', ' }),
      pos: node('CLIPTextEncodeSDXL', { clip: ['ckpt', 1], text_g: ['join', 0], text_l: 'castle', width: 1024, height: 1024 }),
      neg: node('CLIPTextEncodeSDXL', { clip: ['ckpt', 1], text_g: 'ugly', text_l: 'ugly' }),
      cnl: node('ControlNetLoader', { control_net_name: 'controlnet-canny-sdxl-1.0.safetensors' }),
      img: node('LoadImage', { image: 'edges.png', upload: 'image' }),
      apply: node('ControlNetApplyAdvanced', { positive: ['pos', 0], negative: ['neg', 0], control_net: ['cnl', 0], image: ['img', 0], strength: 0.7, start_percent: 0, end_percent: 0.6 }),
      latent: node('EmptyLatentImage', { width: 1024, height: 1024 }),
      k: node('KSamplerAdvanced', { model: ['ckpt', 0], positive: ['apply', 0], negative: ['apply', 1], latent_image: ['latent', 0], noise_seed: 5, steps: 25, cfg: 7, sampler_name: 'euler_ancestral', scheduler: 'normal', start_at_step: 0, end_at_step: 10000 }),
      save: node('Image Save', { images: ['k', 0] }),
    });
    expect(r.parameters).toMatchObject({
      positive_prompt: 'a castle, in the clouds',
      negative_prompt: 'ugly',
      seed: 5,
      scheduler: 'euler_a',
      control_layers: [{ model_name: 'controlnet-canny-sdxl-1.0', image_name: 'edges.png', weight: 0.7, begin_step_percent: 0, end_step_percent: 0.6 }],
    });
    expect(r.unmapped).toMatchObject({ positive_text_l: 'castle' });
  });

  it('adds the image-to-image denoise and notes the encoded source image', () => {
    const r = parse({
      ckpt: node('CheckpointLoaderSimple', { ckpt_name: 'model.ckpt' }),
      load: node('LoadImage', { image: 'photo.png' }),
      enc: node('VAEEncode', { pixels: ['load', 0], vae: ['ckpt', 2] }),
      pos: node('CLIPTextEncode', { clip: ['ckpt', 1], text: 'watercolor' }),
      k: node('KSampler', { model: ['ckpt', 0], positive: ['pos', 0], negative: ['pos', 0], latent_image: ['enc', 0], seed: 1, steps: 20, cfg: 7, sampler_name: 'uni_pc', scheduler: 'karras', denoise: 0.6 }),
    });
    expect(r.parameters).toMatchObject({ denoise_strength: 0.6, scheduler: 'unipc_k', model: 'model' });
    expect(r.unmapped).toMatchObject({ init_image: 'photo.png' });
  });

  it('stops on a graph whose links loop, and on links to missing nodes', () => {
    const r = parse({
      a: node('LoraLoader', { model: ['b', 0], lora_name: 'x.safetensors' }),
      b: node('LoraLoader', { model: ['a', 0], lora_name: 'y.safetensors' }),
      p: node('CLIPTextEncode', { clip: ['zz', 0], text: ['p', 0] }),
      k: node('KSampler', { model: ['a', 0], positive: ['p', 0], negative: ['missing', 0], latent_image: ['k', 0], seed: 1, steps: 2, cfg: 3, sampler_name: 'euler', scheduler: 'normal' }),
    });
    expect(r.parameters).toMatchObject({ seed: 1, steps: 2, cfg_scale: 3, scheduler: 'euler' });
  });

  it('without a save node, reads the first sampler wired from a checkpoint to an empty latent', () => {
    const r = parse({
      stray: node('KSampler', { model: ['nowhere', 0], positive: ['p', 0], negative: ['p', 0], latent_image: ['nowhere', 0], seed: 1, steps: 1, cfg: 1 }),
      c: node('CheckpointLoaderSimple', { ckpt_name: 'real.safetensors' }),
      p: node('CLIPTextEncode', { clip: ['c', 1], text: 'wired' }),
      l: node('EmptyLatentImage', { width: 512, height: 512 }),
      k: node('KSampler', { model: ['c', 0], positive: ['p', 0], negative: ['p', 0], latent_image: ['l', 0], seed: 2, steps: 20, cfg: 7 }),
    });
    expect(r.parameters).toMatchObject({ seed: 2, model: 'real', width: 512, positive_prompt: 'wired' });
    expect(r.unmapped.other_samplers).toEqual([expect.objectContaining({ node: 'stray', seed: 1 })]);
  });

  it('adds the hashes a metadata saver writes beside the graph', () => {
    const r = parse(HIRES_GRAPH, {
      parameters: 'x\nNegative prompt: y\nSteps: 30, Sampler: dpmpp_2m_karras, Seed: 1234567, Model: juggernautXL_v9, Model hash: 33e58e8668, Lora hashes: "add-detail-xl: 0d9bd1b873a7, pixel-art: 1a2b3c4d5e6f"',
    });
    expect(r.model_refs).toEqual([
      { field: 'model', name: 'juggernautXL_v9', hash: '33e58e8668', algorithm: 'autov2' },
      { field: 'loras.0', name: 'add-detail-xl', hash: '0d9bd1b873a7', algorithm: 'autov3' },
      { field: 'loras.1', name: 'pixel-art', hash: '1a2b3c4d5e6f', algorithm: 'autov3' },
    ]);
  });

  it('recognises a workflow-only image as ComfyUI without inventing parameters', () => {
    const r = interpretMetadata({ format: 'png', width: 8, height: 8, entries: { workflow: JSON.stringify({ nodes: [], links: [] }) } });
    expect(r).toMatchObject({ status: 'found', source: { tool: 'comfyui' }, parameters: {} });
  });
});
