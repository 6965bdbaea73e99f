import zlib from 'node:zlib';
import sharp from 'sharp';

/** A small real PNG (decodable), optionally sized. */
export function plainPng(width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toBuffer();
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A real PNG carrying tEXt chunks, as generators write them (`parameters` for A1111, `invokeai_metadata`
 * for InvokeAI): the chunks go right after IHDR. Text is written as UTF-8, which readers try first.
 */
export async function pngWithText(entries: Record<string, string>, width = 64, height = 48): Promise<Buffer> {
  const png = await plainPng(width, height);
  const ihdrEnd = 8 + 8 + png.readUInt32BE(8) + 4;
  const texts = Object.entries(entries).map(([k, v]) => chunk('tEXt', Buffer.concat([Buffer.from(k, 'latin1'), Buffer.from([0]), Buffer.from(v, 'utf8')])));
  return Buffer.concat([png.subarray(0, ihdrEnd), ...texts, png.subarray(ihdrEnd)]);
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

/** A PNG as InvokeAI writes it. */
export function invokeAiPng(overrides: Record<string, unknown> = {}): Promise<Buffer> {
  return pngWithText({ invokeai_metadata: JSON.stringify(invokeAiMetadata(overrides)) });
}

/** A PNG as AUTOMATIC1111 writes it: the `parameters` text. */
export function a1111Png(parameters: string): Promise<Buffer> {
  return pngWithText({ parameters });
}

export const A1111_PARAMETERS = [
  'a cat wearing a tiny hat, studio light <lora:detail-tweaker:0.8>',
  'Negative prompt: ugly, lowres',
  'Steps: 25, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 987654, Size: 512x768, Model hash: 0123456789, Model: dreamshaper_8, Version: v1.9.4',
].join('\n');
