import { invokeAiMetadata } from './metadata-images.js';

/**
 * InvokeAI 5.x metadata with every list the gallery shows: a LoRA (with a blake3 hash), a canvas
 * control layer and a v6 reference image (an IP adapter), besides the core fields.
 */
export function invokeAiMetadataWithLists(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return invokeAiMetadata({
    loras: [{ model: { key: 'k-lora', hash: `blake3:${'ab'.repeat(32)}`, name: 'detail', base: 'sdxl', type: 'lora' }, weight: 0.6 }],
    canvas_v2_metadata: {
      controlLayers: [
        {
          isEnabled: true,
          controlAdapter: {
            type: 'controlnet',
            model: { key: 'k-cn', name: 'canny-sdxl', base: 'sdxl', type: 'controlnet' },
            weight: 0.7,
            beginEndStepPct: [0, 0.8],
            controlMode: 'balanced',
          },
          objects: [{ type: 'image', image: { image_name: 'control.png' } }],
        },
      ],
    },
    ref_images: [
      {
        isEnabled: true,
        config: {
          type: 'ip_adapter',
          image: { image_name: 'face.png' },
          model: { key: 'k-ip', name: 'ip-adapter-sdxl', base: 'sdxl', type: 'ip_adapter' },
          weight: 0.5,
          beginEndStepPct: [0, 1],
          method: 'style',
        },
      },
    ],
    ...overrides,
  });
}
