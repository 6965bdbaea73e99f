import { describe, expect, it } from 'vitest';
import { zImageMetadata } from '../../shared/metadata.js';
import { zRecallParameters } from '../../shared/recall.js';
import {
  INVOKEAI_DREAM,
  INVOKEAI_SD_METADATA,
  INVOKEAI_V3,
  INVOKEAI_V5_CANVAS,
  INVOKEAI_V6_REF_IMAGES,
} from '../../../test/helpers/invokeai-samples.js';
import { interpretMetadata } from './index.js';

function parse(entries: Record<string, string>) {
  const r = interpretMetadata({ format: 'png', width: 64, height: 64, entries });
  expect(zImageMetadata.safeParse(r).success).toBe(true);
  if (r.status !== 'found') throw new Error('expected metadata');
  expect(zRecallParameters.safeParse(r.parameters).success).toBe(true);
  return r;
}

describe('InvokeAI metadata', () => {
  it('maps v3: model_name identifiers, LoRA, VAE, and the processed ControlNet image', () => {
    const r = parse({ invokeai_metadata: JSON.stringify(INVOKEAI_V3) });
    expect(r.source).toEqual({ tool: 'invokeai', version: '3.6.2' });
    expect(r.parameters).toEqual({
      positive_prompt: 'a lighthouse at dusk, oil painting',
      negative_prompt: 'blurry, lowres',
      width: 768,
      height: 512,
      seed: 123456,
      cfg_scale: 7.5,
      steps: 30,
      scheduler: 'dpmpp_2m_k',
      clip_skip: 0,
      model: 'stable-diffusion-v1-5',
      vae_model: 'sd-vae-ft-mse',
      loras: [{ model_name: 'add_detail', weight: 0.6 }],
      control_layers: [
        { model_name: 'control_v11p_sd15_canny', image_name: 'canny_processed.png', weight: 0.8, begin_step_percent: 0, end_step_percent: 0.75, control_mode: 'more_control' },
        { model_name: 't2iadapter_depth_sd15v2', image_name: 'depth.png', weight: 0.9, begin_step_percent: 0.1, end_step_percent: 0.9, control_mode: null },
      ],
      ip_adapters: [{ model_name: 'ip_adapter_plus_face_sd15', image_name: 'face.png', weight: 0.5, begin_step_percent: 0, end_step_percent: 1, method: 'full' }],
    });
    expect(r.model_refs).toEqual([]);
    expect(r.unmapped).toMatchObject({ generation_mode: 'txt2img', rand_device: 'cpu' });
  });

  it('maps v5: refiner, VAE and LoRA hashes, canvas control layers and canvas reference images', () => {
    const r = parse({ invokeai_metadata: JSON.stringify(INVOKEAI_V5_CANVAS) });
    const p = r.parameters;
    expect(p).toMatchObject({
      model: 'Juggernaut XL v9',
      vae_model: 'sdxl-vae-fp16-fix',
      refiner_model: 'sdxl-refiner-1.0',
      refiner_steps: 12,
      refiner_cfg_scale: 6.5,
      refiner_positive_aesthetic_score: 6,
      refiner_negative_aesthetic_score: 2.5,
      refiner_denoise_start: 0.8,
      seamless_x: true,
      seamless_y: false,
      negative_prompt: '',
    });
    expect(p.loras).toEqual([
      { model_name: 'add-detail-xl', weight: 0.8 },
      { model_name: 'sdxl_offset_example', weight: -1.5 },
    ]);
    // The disabled T2I layer is skipped; "unbalanced" has no recall value and is kept aside.
    expect(p.control_layers).toEqual([
      { model_name: 'controlnet-depth-sdxl-1.0', image_name: 'depth_map.png', weight: 0.75, begin_step_percent: 0, end_step_percent: 0.7, control_mode: 'balanced' },
      { model_name: 'controlnet-openpose-sdxl', image_name: 'pose.png', weight: 1.2, begin_step_percent: 0.1, end_step_percent: 1, control_mode: null },
    ]);
    expect(p.ip_adapters).toEqual([
      { model_name: 'ip-adapter-plus_sdxl_vit-h', image_name: 'style_ref.png', weight: 0.6, begin_step_percent: 0, end_step_percent: 1, method: 'style', image_influence: null },
    ]);
    expect(r.unmapped).toMatchObject({
      refiner_scheduler: 'euler',
      'canvas_v2_metadata.controlLayers.1': 'disabled',
      'canvas_v2_metadata.controlLayers.2.controlMode': 'unbalanced',
      'canvas_v2_metadata.regionalGuidance': '1 layer(s), not recallable',
    });
    const blake = (c: string) => c.repeat(64);
    expect(r.model_refs).toEqual([
      { field: 'model', name: 'Juggernaut XL v9', hash: blake('a'), algorithm: 'blake3' },
      { field: 'vae_model', name: 'sdxl-vae-fp16-fix', hash: blake('b'), algorithm: 'blake3' },
      { field: 'refiner_model', name: 'sdxl-refiner-1.0', hash: blake('c'), algorithm: 'blake3' },
      { field: 'loras.0', name: 'add-detail-xl', hash: blake('d'), algorithm: 'blake3' },
      { field: 'loras.1', name: 'sdxl_offset_example', hash: blake('e'), algorithm: 'blake3' },
      { field: 'control_layers.0', name: 'controlnet-depth-sdxl-1.0', hash: blake('f'), algorithm: 'blake3' },
      { field: 'control_layers.1', name: 'controlnet-openpose-sdxl', hash: blake('2'), algorithm: 'blake3' },
      { field: 'ip_adapters.0', name: 'ip-adapter-plus_sdxl_vit-h', hash: blake('3'), algorithm: 'blake3' },
    ]);
  });

  it('maps v6 ref_images: FLUX Redux, a cropped IP adapter, and a model-free Kontext image', () => {
    const r = parse({ invokeai_metadata: JSON.stringify(INVOKEAI_V6_REF_IMAGES) });
    expect(r.source.version).toBe('6.9.0');
    expect(r.parameters).toMatchObject({ guidance: 3.5, scheduler: 'euler', model: 'FLUX Dev (Quantized)', loras: [{ model_name: 'flux-realism', weight: 1 }] });
    expect(r.parameters.ip_adapters).toEqual([
      { model_name: 'FLUX Redux', image_name: 'redux_source.png', weight: 1, method: 'full', image_influence: 'medium' },
      // The crop is the image that was used; "style_precise" is a style method recall calls "style".
      { model_name: 'XLabs FLUX IP-Adapter', image_name: 'cropped.png', weight: 0.7, begin_step_percent: 0.1, end_step_percent: 0.9, method: 'style', image_influence: null },
    ]);
    expect(r.parameters.reference_images).toEqual([{ image_name: 'kontext_ref.png' }]);
    expect(r.unmapped).toMatchObject({ 'ref_images.1.method': 'style_precise', 'ref_images.3': 'disabled' });
    expect(r.model_refs.map((m) => m.field)).toEqual(['model', 'loras.0', 'ip_adapters.0', 'ip_adapters.1']);
  });

  it('keeps out-of-range values aside instead of passing them on', () => {
    const r = parse({ invokeai_metadata: JSON.stringify({ positive_prompt: 'x', steps: 0, width: 32, cfg_scale: 7, scheduler: 'not_a_scheduler', loras: [{ model: { name: 'big' }, weight: 50 }] }) });
    expect(r.parameters).toEqual({ positive_prompt: 'x', cfg_scale: 7 });
    expect(r.unmapped).toMatchObject({ steps: 0, width: 32, scheduler: 'not_a_scheduler', 'loras.0': { model_name: 'big', weight: 50 } });
  });

  it('reads invokeai_graph when there is no invokeai_metadata, resolving fields fed by edges', () => {
    const graph = {
      id: 'g',
      nodes: {
        'loader:1': { id: 'loader:1', type: 'main_model_loader', model: { name: 'DreamShaper 8', hash: 'blake3:' + '9'.repeat(64), base: 'sd-1', type: 'main' } },
        'prompt:1': { id: 'prompt:1', type: 'string', value: 'a quiet harbour' },
        'seed:1': { id: 'seed:1', type: 'integer', value: 777 },
        'meta:1': { id: 'meta:1', type: 'core_metadata', positive_prompt: null, negative_prompt: 'fog', seed: null, steps: 22, cfg_scale: 5, scheduler: 'dpmpp_sde_k', width: 640, height: 832, model: { name: 'DreamShaper 8', hash: 'blake3:' + '9'.repeat(64) } },
      },
      edges: [
        { source: { node_id: 'prompt:1', field: 'value' }, destination: { node_id: 'meta:1', field: 'positive_prompt' } },
        { source: { node_id: 'seed:1', field: 'value' }, destination: { node_id: 'meta:1', field: 'seed' } },
      ],
    };
    const r = parse({ invokeai_graph: JSON.stringify(graph) });
    expect(r.source).toEqual({ tool: 'invokeai', version: null });
    expect(r.parameters).toEqual({ positive_prompt: 'a quiet harbour', negative_prompt: 'fog', seed: 777, steps: 22, cfg_scale: 5, scheduler: 'dpmpp_sde_k', width: 640, height: 832, model: 'DreamShaper 8' });
  });

  it('reads a graph without a metadata node from its denoise, noise and prompt nodes', () => {
    const graph = {
      nodes: [
        { id: 'm', type: 'main_model_loader', model: { name: 'SD 1.5' } },
        { id: 'p', type: 'compel', prompt: 'a red bicycle' },
        { id: 'n', type: 'compel', prompt: 'rust' },
        { id: 'c', type: 'collect' },
        { id: 'noise', type: 'noise', seed: 5, width: 512, height: 512 },
        { id: 'd', type: 'denoise_latents', steps: 15, cfg_scale: 6, scheduler: 'euler' },
      ],
      edges: [
        { source: { node_id: 'p', field: 'conditioning' }, destination: { node_id: 'c', field: 'item' } },
        { source: { node_id: 'c', field: 'collection' }, destination: { node_id: 'd', field: 'positive_conditioning' } },
        { source: { node_id: 'n', field: 'conditioning' }, destination: { node_id: 'd', field: 'negative_conditioning' } },
        { source: { node_id: 'noise', field: 'noise' }, destination: { node_id: 'd', field: 'noise' } },
      ],
    };
    const r = parse({ invokeai_graph: JSON.stringify(graph) });
    expect(r.parameters).toEqual({ positive_prompt: 'a red bicycle', negative_prompt: 'rust', seed: 5, width: 512, height: 512, steps: 15, cfg_scale: 6, scheduler: 'euler', model: 'SD 1.5' });
  });

  it('reads the 2.x sd-metadata form, with its bracketed negative prompt and weights hash', () => {
    const r = parse({ 'sd-metadata': JSON.stringify(INVOKEAI_SD_METADATA) });
    expect(r.source).toEqual({ tool: 'invokeai', version: '2.2.4' });
    expect(r.parameters).toEqual({
      positive_prompt: 'a cozy cabin in the woods',
      negative_prompt: 'people, blurry',
      steps: 50,
      cfg_scale: 7.5,
      seed: 2134556,
      width: 640,
      height: 512,
      scheduler: 'euler_a',
      model: 'stable-diffusion-1.5',
    });
    expect(r.model_refs).toEqual([{ field: 'model', name: 'stable-diffusion-1.5', hash: INVOKEAI_SD_METADATA.model_hash, algorithm: 'sha256' }]);
    expect(r.unmapped).toMatchObject({ type: 'txt2img' });
  });

  it('reads the Dream command line, quoted prompt and flags', () => {
    const r = parse({ Dream: INVOKEAI_DREAM });
    expect(r.parameters).toEqual({
      positive_prompt: 'a cozy cabin "at night"',
      negative_prompt: 'people',
      steps: 40,
      seed: 3357757885,
      width: 512,
      height: 768,
      cfg_scale: 7.5,
      scheduler: 'lms',
    });
    expect(r.unmapped).toEqual({ '-G': '0.8' });
  });
});
