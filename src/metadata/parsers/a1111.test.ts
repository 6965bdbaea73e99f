import { describe, expect, it } from 'vitest';
import { zRecallParameters } from '../../shared/recall.js';
import { extractPromptLoras, parseA1111Text, parseParamPairs } from './a1111-text.js';
import { interpretMetadata } from './index.js';

function parse(parameters: string, extra: Record<string, string> = {}) {
  const r = interpretMetadata({ format: 'png', width: 64, height: 64, entries: { parameters, ...extra } });
  if (r.status !== 'found') throw new Error('expected metadata');
  expect(zRecallParameters.safeParse(r.parameters).success).toBe(true);
  return r;
}

describe('A1111 parameter line', () => {
  it('reads quoted values with commas and colons, and bare JSON values', () => {
    const pairs = parseParamPairs(
      'Steps: 20, Lora hashes: "detail: 0123456789ab, style: ba9876543210", Hashes: {"model": "45a21ea00a", "lora:detail": "0123456789"}, Template: "a, \\"b\\"", Size: 512x768',
    );
    expect(pairs).toEqual([
      ['Steps', '20'],
      ['Lora hashes', 'detail: 0123456789ab, style: ba9876543210'],
      ['Hashes', '{"model": "45a21ea00a", "lora:detail": "0123456789"}'],
      ['Template', 'a, "b"'],
      ['Size', '512x768'],
    ]);
  });

  it('splits prompt, multi-line negative prompt and parameters, and refuses text without a parameter line', () => {
    expect(parseA1111Text('line one\nline two\nNegative prompt: bad\nworse\nSteps: 1, Sampler: Euler, Seed: 3')).toMatchObject({
      prompt: 'line one\nline two',
      negativePrompt: 'bad\nworse',
    });
    expect(parseA1111Text('just a caption, nothing else')).toBeUndefined();
    expect(parseA1111Text('Steps: 1')).toBeUndefined();
  });

  it('takes <lora:name:weight> tags out of the prompt', () => {
    expect(extractPromptLoras('a cat, <lora:detail_tweaker:0.8>, sitting <lyco:film:1.2:0.5> <lora:nw>\nnext line')).toEqual({
      prompt: 'a cat, sitting\nnext line',
      loras: [
        { name: 'detail_tweaker', weight: 0.8 },
        { name: 'film', weight: 1.2 },
        { name: 'nw', weight: 1 },
      ],
    });
  });
});

describe('A1111-family parameters', () => {
  it('maps LoRAs from the prompt with their hashes, the model hash, VAE and clip skip', () => {
    const r = parse(
      'portrait of a knight <lora:detail:0.7>, <lora:style_v2:-0.5>\nNegative prompt: lowres\n' +
        'Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 4242, Size: 832x1216, Model hash: 45a21ea00a, Model: waiIllustrious, ' +
        'VAE hash: 63aeecb90f, VAE: sdxl_vae.safetensors, Clip skip: 2, Lora hashes: "detail: 0123456789ab, style_v2: ba9876543210", Version: v1.10.1',
    );
    expect(r.source).toEqual({ tool: 'automatic1111', version: 'v1.10.1' });
    expect(r.parameters).toEqual({
      positive_prompt: 'portrait of a knight,',
      negative_prompt: 'lowres',
      steps: 28,
      cfg_scale: 6.5,
      seed: 4242,
      width: 832,
      height: 1216,
      clip_skip: 1,
      scheduler: 'dpmpp_2m_k',
      model: 'waiIllustrious',
      vae_model: 'sdxl_vae',
      loras: [
        { model_name: 'detail', weight: 0.7 },
        { model_name: 'style_v2', weight: -0.5 },
      ],
    });
    expect(r.model_refs).toEqual([
      { field: 'loras.0', name: 'detail', hash: '0123456789ab', algorithm: 'autov3' },
      { field: 'loras.1', name: 'style_v2', hash: 'ba9876543210', algorithm: 'autov3' },
      { field: 'model', name: 'waiIllustrious', hash: '45a21ea00a', algorithm: 'autov2' },
      { field: 'vae_model', name: 'sdxl_vae', hash: '63aeecb90f', algorithm: 'autov2' },
    ]);
  });

  it('maps ControlNet units to control layers, and an IP-Adapter unit to an IP adapter', () => {
    const r = parse(
      'a house\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Model: sd15, ' +
        'ControlNet 0: "Module: canny, Model: control_v11p_sd15_canny [d14c016b], Weight: 0.9, Resize Mode: Crop and Resize, Guidance Start: 0.1, Guidance End: 0.8, Pixel Perfect: False, Control Mode: My prompt is more important", ' +
        'ControlNet 1: "Module: ip-adapter_clip_sd15, Model: ip-adapter_sd15 [6a3f6166], Weight: 0.5, Guidance Start: 0, Guidance End: 1, Control Mode: Balanced", ' +
        'ControlNet 2: "Module: none, Model: None, Weight: 1"',
    );
    expect(r.parameters.control_layers).toEqual([
      { model_name: 'control_v11p_sd15_canny', weight: 0.9, begin_step_percent: 0.1, end_step_percent: 0.8, control_mode: 'more_prompt' },
    ]);
    expect(r.parameters.ip_adapters).toEqual([{ model_name: 'ip-adapter_sd15', weight: 0.5, begin_step_percent: 0, end_step_percent: 1 }]);
    expect(r.model_refs).toEqual([
      { field: 'control_layers.0', name: 'control_v11p_sd15_canny', hash: 'd14c016b', algorithm: 'autov1' },
      { field: 'ip_adapters.0', name: 'ip-adapter_sd15', hash: '6a3f6166', algorithm: 'autov1' },
    ]);
    expect(Object.keys(r.unmapped)).toEqual(expect.arrayContaining(['ControlNet 0', 'ControlNet 1', 'ControlNet 2']));
  });

  it('keeps the hires pass aside, with its denoising strength; maps it when there is no hires pass', () => {
    const hires = parse('x\nSteps: 20, Sampler: Euler, Seed: 1, Denoising strength: 0.45, Hires upscale: 2, Hires steps: 10, Hires upscaler: Latent');
    expect(hires.parameters.denoise_strength).toBeUndefined();
    expect(hires.unmapped).toMatchObject({ 'Denoising strength': '0.45', 'Hires upscale': '2', 'Hires steps': '10', 'Hires upscaler': 'Latent' });
    const img2img = parse('x\nSteps: 20, Sampler: Euler, Seed: 1, Denoising strength: 0.45');
    expect(img2img.parameters.denoise_strength).toBe(0.45);
  });

  it('maps the refiner, tiling and the Hashes JSON', () => {
    const r = parse(
      'x\nSteps: 30, Sampler: DPM++ 2M SDE, Schedule type: Karras, Seed: 9, Model: base, Refiner: sd_xl_refiner_1.0 [7440042bbd], Refiner switch at: 0.8, Tiling: True, Hashes: {"model": "31e35c80fc"}',
    );
    expect(r.parameters).toMatchObject({ scheduler: 'dpmpp_2m_sde_k', refiner_model: 'sd_xl_refiner_1.0', refiner_denoise_start: 0.8, seamless_x: true, seamless_y: true });
    expect(r.model_refs).toEqual([
      { field: 'model', name: 'base', hash: '31e35c80fc', algorithm: 'autov2' },
      { field: 'refiner_model', name: 'sd_xl_refiner_1.0', hash: '7440042bbd', algorithm: 'autov2' },
    ]);
  });

  it('names Forge, SD.Next, Fooocus and Civitai by their markers', () => {
    expect(parse('x\nSteps: 1, Sampler: Euler, Seed: 1, Version: f2.0.1v1.10.1-previous-669-gdfdcbab6').source).toEqual({ tool: 'forge', version: 'f2.0.1v1.10.1-previous-669-gdfdcbab6' });
    expect(parse('x\nSteps: 1, Sampler: Euler, Seed: 1, App: SD.Next, Version: 56a8aea').source).toEqual({ tool: 'sdnext', version: '56a8aea' });
    expect(parse('x\nSteps: 1, Sampler: Euler, Seed: 1, Version: Fooocus v2.5.5').source).toEqual({ tool: 'fooocus', version: 'v2.5.5' });
    expect(parse('x\nSteps: 1, Sampler: Euler, Seed: 1, Civitai metadata: {}').source).toEqual({ tool: 'civitai', version: null });
  });

  it('uses Fooocus raw prompts over the styled ones in its A1111 scheme', () => {
    const r = parse('a cat, cinematic, dramatic light\nNegative prompt: ugly\nSteps: 30, Sampler: DPM++ 2M SDE Karras, Seed: 5, Raw prompt: a cat, Raw negative prompt: , Version: Fooocus v2.5.5', { fooocus_scheme: 'a1111' });
    expect(r.source.tool).toBe('fooocus');
    expect(r.parameters.positive_prompt).toBe('a cat');
    expect(r.parameters.negative_prompt).toBe('');
  });

  it('leaves the scheduler out and keeps the sampler when InvokeAI has no equivalent', () => {
    const r = parse('x\nSteps: 1, Sampler: DPM++ 2S a, Schedule type: Karras, Seed: 1');
    expect(r.parameters.scheduler).toBeUndefined();
    expect(r.unmapped).toMatchObject({ Sampler: 'DPM++ 2S a', 'Schedule type': 'Karras' });
  });

  it('keeps a seed beyond 32 bits, a zero size and unknown keys aside', () => {
    const r = parse('x\nSteps: 20, Sampler: Euler, Seed: 38802053347333, Size: 0x512, ENSD: 31337');
    expect(r.parameters.seed).toBeUndefined();
    expect(r.parameters.width).toBeUndefined();
    expect(r.unmapped).toMatchObject({ Seed: 38802053347333, Size: 0, ENSD: '31337' });
  });
});
