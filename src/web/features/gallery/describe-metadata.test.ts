import { describe, expect, it } from 'vitest';
import { zImageMetadata } from '../../../shared/metadata.js';
import { describeMetadata, formatBytes, sourceLabel } from './describe-metadata.js';

/** As the server answers it: parsed through the shared schema, so list entries carry their defaults. */
const found = (parameters: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
  const m = zImageMetadata.parse({
    status: 'found',
    format: 'png',
    width: 64,
    height: 48,
    source: { tool: 'invokeai', version: '5.6.0' },
    parameters,
    model_refs: [],
    unmapped: {},
    ...extra,
  });
  if (m.status !== 'found') throw new Error('expected found');
  return m;
};

describe('describeMetadata', () => {
  it('lists prompts, then the settings the image gives, in the panel\'s order and with its labels', () => {
    const d = describeMetadata(
      found({
        positive_prompt: 'a lighthouse',
        negative_prompt: '',
        seed: 42,
        steps: 30,
        model: 'juggernaut',
        scheduler: 'dpmpp_2m_k',
        cfg_scale: 6.5,
        width: 1024,
        height: 768,
        seamless_y: true,
      }),
    );
    expect(d.source).toBe('InvokeAI 5.6.0');
    expect([d.positivePrompt, d.negativePrompt]).toEqual(['a lighthouse', '']);
    expect(d.settings).toEqual([
      { label: 'Model', value: 'juggernaut' },
      { label: 'Scheduler', value: 'DPM++ 2M Karras' },
      { label: 'Steps', value: '30' },
      { label: 'CFG scale', value: '6.5' },
      { label: 'Seed', value: '42' },
      { label: 'Size', value: '1024 × 768' },
      { label: 'Seamless', value: 'Y' },
    ]);
    expect(d.refiner).toEqual([]);
  });

  it('shows one side of the size alone, and the refiner apart', () => {
    const d = describeMetadata(found({ width: 512, refiner_model: 'sdxl-refiner', refiner_steps: 20, refiner_denoise_start: 0.8 }));
    expect(d.settings).toEqual([{ label: 'Width', value: '512' }]);
    expect(d.refiner).toEqual([
      { label: 'Refiner model', value: 'sdxl-refiner' },
      { label: 'Refiner steps', value: '20' },
      { label: 'Refiner denoise start', value: '0.8' },
    ]);
    expect(d.positivePrompt).toBeNull();
  });

  it('describes LoRAs, control layers, IP adapters and model-free reference images on one line each', () => {
    const d = describeMetadata(
      found({
        loras: [{ model_name: 'detail', weight: 0.6 }, { model_name: 'off-lora', weight: 1, is_enabled: false }],
        control_layers: [{ model_name: 'canny', image_name: 'edges.png', weight: 0.7, begin_step_percent: 0, end_step_percent: 0.8, control_mode: 'more_control' }],
        ip_adapters: [
          { model_name: 'ip-face', image_name: 'face.png', weight: 0.5, method: 'style' },
          { model_name: 'redux', image_name: 'r.png', image_influence: 'high' },
        ],
        reference_images: [{ image_name: 'kontext.png' }],
      }),
    );
    expect(d.loras).toEqual(['detail · weight 0.6', 'off-lora · weight 1 · off']);
    expect(d.controlLayers).toEqual(['canny · weight 0.7 · steps 0%–80% · control first · edges.png']);
    expect(d.referenceImages).toEqual([
      'ip-face · weight 0.5 · steps 0%–100% · method style · face.png',
      'redux · weight 1 · steps 0%–100% · influence high · r.png',
      'kontext.png (no adapter model)',
    ]);
  });

  it('shortens long hashes and long unmapped values, and shows non-text values as JSON', () => {
    const d = describeMetadata(
      found(
        {},
        {
          model_refs: [
            { field: 'model', name: 'dreamshaper_8', hash: '0123456789', algorithm: 'autov2' },
            { field: 'loras.0', name: 'detail', hash: 'ab'.repeat(32), algorithm: 'blake3' },
          ],
          unmapped: { 'Hires upscale': '2', workflow: { nodes: ['x'.repeat(500)] } },
        },
      ),
    );
    expect(d.modelHashes).toEqual(['dreamshaper_8 · autov2 0123456789', `detail · blake3 ${'ab'.repeat(6)}…`]);
    expect(d.unmapped[0]).toEqual({ label: 'Hires upscale', value: '2' });
    expect(d.unmapped[1]!.value.startsWith('{"nodes":["xxx')).toBe(true);
    expect(d.unmapped[1]!.value).toHaveLength(401);
  });

  it('names a tool without a version, and sizes in people\'s units', () => {
    expect(sourceLabel({ tool: 'stability-matrix', version: null })).toBe('Stability Matrix');
    expect(sourceLabel({ tool: 'automatic1111', version: 'v1.9.4' })).toBe('AUTOMATIC1111 v1.9.4');
    expect([formatBytes(900), formatBytes(2048), formatBytes(50 * 1024), formatBytes(3.5 * 1024 * 1024)]).toEqual(['900 B', '2.0 KB', '50 KB', '3.5 MB']);
  });
});
