import sharp from 'sharp';
import { tEXt, withPngChunks } from './metadata-images.js';

/*
 * Images for the recall tests (from_image, send, client): real PNGs carrying the metadata InvokeAI
 * and AUTOMATIC1111 write, built on the chunk writers of metadata-images.ts.
 */

/** A small real PNG (decodable), optionally sized. */
export function plainPng(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toBuffer();
}

/** A real PNG with tEXt chunks right after IHDR, as generators write them. */
export async function pngWithTextChunks(entries: Record<string, string>, width = 64, height = 48): Promise<Buffer> {
  const png = await plainPng(width, height);
  return Buffer.from(withPngChunks(png, Object.entries(entries).map(([k, v]) => tEXt(k, v))));
}

/** InvokeAI 5.x core metadata, with models as {key, hash, name, base, type}. */
export function invokeAiMetadata(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    app_version: '5.6.0',
    generation_mode: 'sdxl_txt2img',
    positive_prompt: 'a lighthouse at dusk, oil painting',
    negative_prompt: 'blurry',
    width: 1024,
    height: 768,
    seed: 1234567,
    steps: 30,
    cfg_scale: 6.5,
    scheduler: 'dpmpp_2m_k',
    model: { key: 'f1e2d3c4-0000-4000-8000-000000000001', hash: 'blake3:aa', name: 'juggernaut', base: 'sdxl', type: 'main' },
    loras: [],
    ...overrides,
  };
}

/** A PNG as InvokeAI writes it: `invokeai_metadata`. */
export function invokeAiPng(overrides: Record<string, unknown> = {}): Promise<Buffer> {
  return pngWithTextChunks({ invokeai_metadata: JSON.stringify(invokeAiMetadata(overrides)) });
}

/** A PNG as AUTOMATIC1111 writes it: the `parameters` text. */
export function a1111Png(parameters: string): Promise<Buffer> {
  return pngWithTextChunks({ parameters });
}

export const A1111_PARAMETERS = [
  'a cat wearing a tiny hat, studio light <lora:detail-tweaker:0.8>',
  'Negative prompt: ugly, lowres',
  'Steps: 25, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 987654, Size: 512x768, Model hash: 0123456789, Model: dreamshaper_8, Version: v1.9.4',
].join('\n');
