import { describe, expect, it } from 'vitest';
import { modelNameFromFile, normalizeHash, splitBracketHash } from './models.js';
import { mapSampler } from './samplers.js';

describe('sampler mapping to InvokeAI schedulers', () => {
  it.each([
    ['a1111', 'DPM++ 2M Karras', undefined, 'dpmpp_2m_k'],
    ['a1111', 'DPM++ 2M', 'Karras', 'dpmpp_2m_k'],
    ['a1111', 'DPM++ 2M', 'Automatic', 'dpmpp_2m_k'],
    ['a1111', 'DPM++ 2M', undefined, 'dpmpp_2m'],
    ['a1111', 'Euler a', undefined, 'euler_a'],
    ['a1111', 'Euler', 'Karras', 'euler_k'],
    ['a1111', 'DPM++ SDE Karras', undefined, 'dpmpp_sde_k'],
    ['a1111', 'DPM2 a', undefined, 'kdpm_2_a'],
    ['a1111', 'PLMS', undefined, 'pndm'],
    ['a1111', 'UniPC', undefined, 'unipc'],
    ['a1111', 'LCM', undefined, 'lcm'],
    ['comfyui', 'dpmpp_2m', 'karras', 'dpmpp_2m_k'],
    ['comfyui', 'euler_ancestral', 'normal', 'euler_a'],
    ['comfyui', 'dpmpp_2m_sde_gpu', 'karras', 'dpmpp_2m_sde_k'],
    ['comfyui', 'uni_pc', 'normal', 'unipc'],
    ['comfyui', 'er_sde', 'normal', 'er_sde'],
    ['novelai', 'k_euler_ancestral', 'native', 'euler_a'],
    ['novelai', 'k_dpmpp_2m', 'karras', 'dpmpp_2m_k'],
  ] as const)('maps %s "%s" with schedule %s to %s', (family, sampler, schedule, expected) => {
    expect(mapSampler(family, sampler, schedule, 'exact')).toEqual({ scheduler: expected, approximate: false });
  });

  it.each([
    ['a1111', 'Euler Ancestral Karras', undefined],
    ['a1111', 'DPM++ 2M SDE', 'Automatic'],
    ['a1111', 'DPM++ 2S a', undefined],
    ['a1111', 'DDIM', 'exponential'],
    ['comfyui', 'euler_ancestral', 'karras'],
    ['comfyui', 'euler', 'simple'],
    ['comfyui', 'dpmpp_3m_sde', 'normal'],
    ['novelai', 'k_euler_ancestral', 'karras'],
  ] as const)('finds no exact equivalent for %s "%s" with schedule %s', (family, sampler, schedule) => {
    expect(mapSampler(family, sampler, schedule, 'exact')).toEqual({ approximate: false });
  });

  it('with nearest matching keeps the algorithm and drops a schedule InvokeAI lacks, but never invents an algorithm', () => {
    expect(mapSampler('comfyui', 'euler_ancestral', 'karras', 'nearest')).toEqual({ scheduler: 'euler_a', approximate: true });
    expect(mapSampler('a1111', 'DDIM', 'exponential', 'nearest')).toEqual({ scheduler: 'ddim', approximate: true });
    expect(mapSampler('comfyui', 'dpmpp_3m_sde', 'karras', 'nearest')).toEqual({ approximate: false });
  });
});

describe('model names and hashes', () => {
  it('names a model by its file stem', () => {
    expect(modelNameFromFile('SDXL\\juggernaut_v9.safetensors')).toBe('juggernaut_v9');
    expect(modelNameFromFile('Flux/flux1-dev')).toBe('flux1-dev');
    expect(modelNameFromFile('v1-5.pruned.ckpt')).toBe('v1-5.pruned');
    expect(splitBracketHash('control_v11p_sd15_canny [d14c016b]')).toEqual({ name: 'control_v11p_sd15_canny', hash: 'd14c016b' });
  });

  it('recognises hashes by prefix and length, and refuses what is not a content hash', () => {
    expect(normalizeHash('blake3:ABCDEF0123456789')).toEqual({ hash: 'abcdef0123456789', algorithm: 'blake3' });
    expect(normalizeHash('45A21EA00A')).toEqual({ hash: '45a21ea00a', algorithm: 'autov2' });
    expect(normalizeHash('0x' + 'f'.repeat(64), 'autov3')).toEqual({ hash: 'f'.repeat(64), algorithm: 'autov3' });
    expect(normalizeHash('e'.repeat(64))).toEqual({ hash: 'e'.repeat(64), algorithm: 'sha256' });
    expect(normalizeHash('random:1234abcd')).toBeUndefined();
    expect(normalizeHash('not a hash')).toBeUndefined();
    expect(normalizeHash(1234)).toBeUndefined();
  });
});
