import { describe, expect, it } from 'vitest';
import { probeFolderConvention, probeSafetensors } from './probe.js';
import type { SafetensorsHeader } from './safetensors.js';

const header = (tensors: Record<string, number[]>, metadata: Record<string, string> = {}): SafetensorsHeader => ({
  tensors: new Map(Object.entries(tensors).map(([k, shape]) => [k, { dtype: 'F16', shape }])),
  metadata,
});

describe('safetensors probe', () => {
  it('trusts modelspec and kohya metadata for a LoRA\'s base', () => {
    const keys = { 'lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight': [4, 320] };
    expect(probeSafetensors(header(keys, { 'modelspec.architecture': 'stable-diffusion-xl-v1-base/lora' }))).toMatchObject({ type: 'lora', base: 'sdxl' });
    expect(probeSafetensors(header(keys, { ss_base_model_version: 'sd_v1' }))).toMatchObject({ type: 'lora', base: 'sd-1' });
    expect(probeSafetensors(header(keys, { 'modelspec.architecture': 'flux-1-dev/lora' }))).toMatchObject({ type: 'lora', base: 'flux' });
  });

  it('tells LyCORIS from plain LoRA', () => {
    expect(probeSafetensors(header({ 'lora_unet_x.hada_w1_a': [4, 4] }))).toMatchObject({ type: 'lora', format: 'lycoris' });
  });

  it('reads the VAE\'s latent channels', () => {
    const vae = (ch: number) => header({ 'encoder.conv_in.weight': [128, 3, 3, 3], 'decoder.conv_in.weight': [512, ch, 3, 3] });
    expect(probeSafetensors(vae(16))).toEqual({ type: 'vae', base: 'flux', format: 'checkpoint' });
    expect(probeSafetensors(vae(4)).base).toBeUndefined();
  });

  it('says nothing about a file it does not recognise', () => {
    expect(probeSafetensors(header({ 'some.random.weight': [3] }))).toEqual({});
  });
});

describe('folder convention', () => {
  it('reads models/{base}/{type}/name', () => {
    expect(probeFolderConvention('sdxl/lora/detail.safetensors')).toEqual({ base: 'sdxl', type: 'lora' });
    expect(probeFolderConvention('flux/controlnet/sub/x.safetensors')).toEqual({ base: 'flux', type: 'controlnet' });
    expect(probeFolderConvention('downloads/x.safetensors')).toEqual({});
  });
});
