import { describe, expect, it } from 'vitest';
import { zRecallParameters } from '../../shared/recall.js';
import { normalizeEntries } from './entries.js';
import { interpretMetadata } from './index.js';

function parse(entries: Record<string, string>) {
  const r = interpretMetadata({ format: 'png', width: 64, height: 64, entries });
  if (r.status !== 'found') throw new Error('expected metadata');
  expect(zRecallParameters.safeParse(r.parameters).success).toBe(true);
  return r;
}

describe('NovelAI', () => {
  it('takes the prompt from Description when the Comment has none (older images)', () => {
    const r = parse({
      Software: 'NovelAI',
      Source: 'Stable Diffusion XL C1E1DE52',
      Description: 'a snowy village',
      Comment: JSON.stringify({ steps: 28, sampler: 'k_dpmpp_2m', seed: 77, strength: 0.7, noise: 0, scale: 5.5, uc: 'lowres', noise_schedule: 'native', width: 832, height: 1216 }),
    });
    expect(r.source).toEqual({ tool: 'novelai', version: null });
    expect(r.parameters).toEqual({
      positive_prompt: 'a snowy village',
      negative_prompt: 'lowres',
      steps: 28,
      cfg_scale: 5.5,
      seed: 77,
      width: 832,
      height: 1216,
      scheduler: 'dpmpp_2m',
      model: 'Stable Diffusion XL',
    });
    // Without an img2img request the strength was not used.
    expect(r.unmapped.strength).toBe(0.7);
  });

  it('maps the strength of an img2img request to the denoising strength', () => {
    const r = parse({ Software: 'NovelAI', Comment: JSON.stringify({ prompt: 'p', steps: 28, scale: 5, seed: 1, strength: 0.55, request_type: 'Img2ImgRequest', sampler: 'k_euler' }) });
    expect(r.parameters.denoise_strength).toBe(0.55);
  });

  it('keeps V4 character prompts aside', () => {
    const r = parse({
      Software: 'NovelAI',
      Comment: JSON.stringify({ prompt: 'two girls', v4_prompt: { caption: { base_caption: 'two girls', char_captions: [{ char_caption: 'girl, red hair', centers: [{ x: 0.3, y: 0.5 }] }] } }, steps: 23, scale: 5, seed: 1, sampler: 'k_euler', noise_schedule: 'karras' }),
    });
    expect(r.parameters).toMatchObject({ positive_prompt: 'two girls', scheduler: 'euler_k' });
    expect(r.unmapped.char_captions).toEqual([{ char_caption: 'girl, red hair', centers: [{ x: 0.3, y: 0.5 }] }]);
  });
});

describe('Fooocus and RuinedFooocus', () => {
  it('maps the Fooocus JSON scheme with LoRAs, refiner and hashes', () => {
    const r = parse({
      fooocus_scheme: 'fooocus',
      parameters: JSON.stringify({
        adm_guidance: '(1.5, 0.8, 0.3)',
        base_model: 'juggernautXL_v8Rundiffusion',
        base_model_hash: 'aeb7e9e6897a1e58b10494bd989d001e3d4bc9b634633cd7b559838f612c2867',
        full_prompt: ['a cat, cinematic, highly detailed'],
        guidance_scale: 4,
        loras: [['sd_xl_offset_example-lora_1.0', 0.1, '4852686128f953d0277d0793e2f0335352f96a919c9c16a09787d77f55cbdf6f']],
        negative_prompt: 'ugly',
        performance: 'Speed',
        prompt: 'a cat',
        refiner_model: 'sd_xl_refiner_1.0',
        refiner_model_hash: '7440042bbdc8a24813002c09b6b69b64dc90fded4472613437b7f55f9b7d9c5f',
        refiner_switch: 0.8,
        resolution: '(1152, 896)',
        sampler: 'dpmpp_2m_sde_gpu',
        scheduler: 'karras',
        seed: '1234',
        sharpness: 2,
        steps: 30,
        styles: "['Fooocus V2', 'Fooocus Enhance']",
        vae: 'Default (model)',
        version: 'Fooocus v2.5.5',
      }),
    });
    expect(r.source).toEqual({ tool: 'fooocus', version: 'v2.5.5' });
    expect(r.parameters).toEqual({
      positive_prompt: 'a cat',
      negative_prompt: 'ugly',
      steps: 30,
      width: 1152,
      height: 896,
      cfg_scale: 4,
      seed: 1234,
      scheduler: 'dpmpp_2m_sde_k',
      model: 'juggernautXL_v8Rundiffusion',
      refiner_model: 'sd_xl_refiner_1.0',
      refiner_denoise_start: 0.8,
      loras: [{ model_name: 'sd_xl_offset_example-lora_1.0', weight: 0.1 }],
    });
    expect(r.model_refs.map((m) => [m.field, m.algorithm])).toEqual([
      ['model', 'sha256'],
      ['refiner_model', 'sha256'],
      ['loras.0', 'sha256'],
    ]);
    expect(r.unmapped).toMatchObject({ performance: 'Speed', sharpness: 2, full_prompt: ['a cat, cinematic, highly detailed'] });
  });

  it('reads older Fooocus lora_combined entries and skips disabled ones', () => {
    const r = parse({
      parameters: JSON.stringify({ prompt: 'p', base_model: 'm.safetensors', guidance_scale: 7, lora_combined_1: 'True : detail.safetensors : 0.5', lora_combined_2: 'False : off.safetensors : 1', lora_combined_3: 'None : 1' }),
    });
    expect(r.parameters.loras).toEqual([{ model_name: 'detail', weight: 0.5 }]);
  });

  it('maps RuinedFooocus LoRA pairs', () => {
    const r = parse({ parameters: JSON.stringify({ Prompt: 'p', Negative: 'n', steps: 20, cfg: 7, width: 768, height: 768, seed: 3, sampler_name: 'euler', scheduler: 'normal', base_model_name: 'm.safetensors', loras: [['lora_a.safetensors', 0.7]], software: 'RuinedFooocus' }) });
    expect(r.source.tool).toBe('ruinedfooocus');
    expect(r.parameters).toMatchObject({ scheduler: 'euler', model: 'm', loras: [{ model_name: 'lora_a', weight: 0.7 }] });
  });
});

describe('SwarmUI, TensorArt, Stability Matrix and Draw Things', () => {
  it('maps SwarmUI LoRAs with their weights and tensor hashes', () => {
    const r = parse({
      parameters: JSON.stringify({
        sui_image_params: { prompt: 'p', negativeprompt: 'n', model: 'Flux/flux1-dev', seed: 5, steps: 20, cfgscale: 1, fluxguidancescale: 3.5, width: 1024, height: 1024, sampler: 'euler', scheduler: 'normal', loras: ['Flux/realism', 'detail'], loraweights: ['0.8', '1'], clipstopatlayer: -1, swarm_version: '0.9.2' },
        sui_models: [
          { name: 'Flux/flux1-dev.safetensors', param: 'model', hash: '0x' + 'ab'.repeat(32) },
          { name: 'realism.safetensors', param: 'loras', hash: '0x' + 'cd'.repeat(32) },
        ],
      }),
    });
    expect(r.source).toEqual({ tool: 'swarmui', version: '0.9.2' });
    expect(r.parameters).toMatchObject({ model: 'flux1-dev', guidance: 3.5, clip_skip: 0, scheduler: 'euler', loras: [{ model_name: 'realism', weight: 0.8 }, { model_name: 'detail', weight: 1 }] });
    expect(r.model_refs).toEqual([
      { field: 'model', name: 'flux1-dev', hash: 'ab'.repeat(32), algorithm: 'autov3' },
      { field: 'loras.0', name: 'realism', hash: 'cd'.repeat(32), algorithm: 'autov3' },
    ]);
  });

  it('maps TensorArt LoRAs and takes the seed from the graph when the record says -1', () => {
    const r = parse({
      generation_data: JSON.stringify({ prompt: 'p', steps: 20, cfgScale: 5, seed: '-1', baseModel: { modelFileName: 'Base', hash: 'AA'.repeat(32) }, models: [{ type: 'LORA', modelFileName: 'Lora One', weight: 0.6, hash: 'BB'.repeat(32) }] }) + '\0',
      prompt: JSON.stringify({ k: { class_type: 'KSampler', inputs: { seed: 31337, steps: 20, cfg: 5, positive: ['x', 0], negative: ['x', 0], latent_image: ['x', 0], model: ['x', 0] } } }),
    });
    expect(r.parameters).toMatchObject({ seed: 31337, model: 'Base', loras: [{ model_name: 'Lora One', weight: 0.6 }] });
    expect(r.model_refs.map((m) => m.field)).toEqual(['model', 'loras.0']);
  });

  it('maps Stability Matrix without a project file from its parameters-json', () => {
    const r = parse({ 'parameters-json': JSON.stringify({ PositivePrompt: 'p', NegativePrompt: 'n', Steps: 10, Sampler: 'DPM++ 2M Karras', CfgScale: 4, Seed: 2, Width: 512, Height: 640, ModelName: 'm.safetensors' }) });
    expect(r.source.tool).toBe('stability-matrix');
    expect(r.parameters).toMatchObject({ scheduler: 'dpmpp_2m_k', width: 512, height: 640, model: 'm' });
  });

  it('maps Draw Things from its XMP UserComment JSON', () => {
    const r = parse({
      'xmp:xmp:CreatorTool': 'Draw Things',
      'xmp:exif:UserComment': JSON.stringify({ c: 'a lighthouse', uc: 'fog', seed: 2837, steps: 30, scale: 4.5, size: '1024x1024', model: 'sd_xl_base_1.0_f16.ckpt', sampler: 'DPM++ 2M Karras', strength: 1, seed_mode: 'Scale Alike', lora: [{ file: 'add_detail_lora_f16.ckpt', weight: 0.6 }] }),
    });
    expect(r.source).toEqual({ tool: 'drawthings', version: null });
    expect(r.parameters).toEqual({
      positive_prompt: 'a lighthouse',
      negative_prompt: 'fog',
      seed: 2837,
      steps: 30,
      cfg_scale: 4.5,
      width: 1024,
      height: 1024,
      scheduler: 'dpmpp_2m_k',
      model: 'sd_xl_base_1.0_f16',
      loras: [{ model_name: 'add_detail_lora_f16', weight: 0.6 }],
    });
    expect(r.unmapped).toEqual({ seed_mode: 'Scale Alike' });
  });
});

describe('entries from EXIF and XMP', () => {
  it('spreads a JSON UserComment of PNG chunks and reads ComfyUI "Prompt:"/"Workflow:" tags', () => {
    expect(
      normalizeEntries({
        'exif:UserComment': JSON.stringify({ Comment: '{"steps": 1}', Software: 'NovelAI', workflow: { nodes: [] } }),
        'exif:Make': 'Prompt: {"3": {}}',
      }),
    ).toMatchObject({ Comment: '{"steps": 1}', Software: 'NovelAI', workflow: '{"nodes":[]}', prompt: '{"3": {}}' });
    expect(normalizeEntries({ 'exif:ImageDescription': 'Workflow: {"nodes": []}' })).toMatchObject({ workflow: '{"nodes": []}' });
  });

  it('treats a plain-text UserComment or COM segment as parameters, and Fooocus MakerNote as its scheme', () => {
    expect(normalizeEntries({ 'exif:UserComment': 'text\nSteps: 1', 'exif:Software': 'Fooocus v2.5.0', 'exif:MakerNote': 'a1111' })).toMatchObject({ parameters: 'text\nSteps: 1', fooocus_scheme: 'a1111' });
    expect(normalizeEntries({ 'jpeg:COM': 'x\nSteps: 2' })).toMatchObject({ parameters: 'x\nSteps: 2' });
  });

  it('takes an infotext from XPComment, ImageDescription or XMP, but not other text there', () => {
    const infotext = 'a boat\nSteps: 12, Sampler: Euler, Seed: 4';
    expect(normalizeEntries({ 'exif:XPComment': infotext }).parameters).toBe(infotext);
    expect(normalizeEntries({ 'exif:ImageDescription': infotext }).parameters).toBe(infotext);
    expect(normalizeEntries({ 'xmp:parameters': infotext }).parameters).toBe(infotext);
    expect(normalizeEntries({ 'exif:ImageDescription': 'holiday photo, 12 steps from the beach' }).parameters).toBeUndefined();
  });

  it('says so when there is no generation metadata, listing what text there is', () => {
    const r = interpretMetadata({ format: 'png', width: 8, height: 8, entries: { Comment: 'edited in GIMP', Software: 'GIMP 2.10' } });
    expect(r).toEqual({ status: 'none', format: 'png', width: 8, height: 8, message: 'no generation metadata found', unmapped: { Comment: 'edited in GIMP', Software: 'GIMP 2.10' } });
  });
});
