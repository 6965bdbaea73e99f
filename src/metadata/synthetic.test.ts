import { describe, expect, it } from 'vitest';
import { type ImageMetadataFound, zImageMetadata } from '../shared/metadata.js';
import {
  INVOKEAI_DREAM,
  INVOKEAI_SD_METADATA,
  INVOKEAI_V3,
  INVOKEAI_V5_CANVAS,
  INVOKEAI_V6_REF_IMAGES,
} from '../../test/helpers/invokeai-samples.js';
import {
  app1Exif,
  asciiTag,
  baseJpeg,
  basePng,
  baseWebp,
  buildTiff,
  iTXt,
  tEXt,
  userCommentTag,
  withJpegSegments,
  withPngChunks,
  withWebpChunks,
  xmpPacket,
  zTXt,
} from '../../test/helpers/metadata-images.js';
import { parseImageMetadata } from './index.js';

async function found(bytes: Uint8Array): Promise<ImageMetadataFound> {
  const r = await parseImageMetadata(bytes);
  expect(zImageMetadata.safeParse(r).success).toBe(true);
  expect(r.status).toBe('found');
  return r as ImageMetadataFound;
}

const A1111 =
  'a café terrace at night, <lora:van_gogh_style:0.9>\nNegative prompt: photo\n' +
  'Steps: 32, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 2718281828, Size: 640x896, Model hash: 31e35c80fc, Model: dreamshaper_8, Lora hashes: "van_gogh_style: 9f1c2b3a4d5e", Version: v1.9.4';

describe('InvokeAI images written by the tests', () => {
  it('reads v3 metadata from a tEXt chunk: LoRA, ControlNet, T2I adapter, IP adapter', async () => {
    const r = await found(withPngChunks(await basePng(), [tEXt('invokeai_metadata', JSON.stringify(INVOKEAI_V3))]));
    expect(r.source).toEqual({ tool: 'invokeai', version: '3.6.2' });
    expect(r.parameters.loras).toEqual([{ model_name: 'add_detail', weight: 0.6 }]);
    expect(r.parameters.control_layers?.map((l) => [l.model_name, l.image_name])).toEqual([
      ['control_v11p_sd15_canny', 'canny_processed.png'],
      ['t2iadapter_depth_sd15v2', 'depth.png'],
    ]);
    expect(r.parameters.ip_adapters?.map((a) => [a.model_name, a.image_name])).toEqual([['ip_adapter_plus_face_sd15', 'face.png']]);
  });

  it('reads v5 canvas metadata from a compressed iTXt chunk, with hashes for every model', async () => {
    const r = await found(withPngChunks(await basePng(), [iTXt('invokeai_metadata', JSON.stringify(INVOKEAI_V5_CANVAS), true)]));
    expect(r.parameters.control_layers).toHaveLength(2);
    expect(r.parameters.ip_adapters?.[0]).toMatchObject({ model_name: 'ip-adapter-plus_sdxl_vit-h', image_name: 'style_ref.png', method: 'style' });
    expect(r.model_refs).toHaveLength(8);
    expect(r.model_refs.every((m) => m.algorithm === 'blake3' && /^[0-9a-f]{64}$/.test(m.hash))).toBe(true);
  });

  it('reads v6 reference images from a zTXt chunk', async () => {
    const r = await found(withPngChunks(await basePng(), [zTXt('invokeai_metadata', JSON.stringify(INVOKEAI_V6_REF_IMAGES))]));
    expect(r.parameters.ip_adapters?.map((a) => a.image_name)).toEqual(['redux_source.png', 'cropped.png']);
    expect(r.parameters.reference_images).toEqual([{ image_name: 'kontext_ref.png' }]);
  });

  it('reads the 2.x sd-metadata and Dream chunks', async () => {
    const sd = await found(withPngChunks(await basePng(), [tEXt('sd-metadata', JSON.stringify(INVOKEAI_SD_METADATA))]));
    expect(sd.parameters).toMatchObject({ positive_prompt: 'a cozy cabin in the woods', negative_prompt: 'people, blurry', scheduler: 'euler_a' });
    const dream = await found(withPngChunks(await basePng(), [tEXt('Dream', INVOKEAI_DREAM)]));
    expect(dream.parameters).toMatchObject({ seed: 3357757885, steps: 40, scheduler: 'lms' });
  });

  it('reads InvokeAI chunks carried into a JPEG as JSON in UserComment', async () => {
    const comment = JSON.stringify({ invokeai_metadata: JSON.stringify(INVOKEAI_V6_REF_IMAGES) });
    const r = await found(withJpegSegments(await baseJpeg(), [app1Exif(buildTiff({ littleEndian: false, exif: [userCommentTag(comment, 'utf16le')] }))]));
    expect(r).toMatchObject({ format: 'jpeg', source: { tool: 'invokeai' }, parameters: { seed: 987654321 } });
  });
});

describe('other tools, written into each container', () => {
  it('reads A1111 parameters from a Latin-1 tEXt chunk, taking the LoRA tag out of the prompt', async () => {
    const r = await found(withPngChunks(await basePng(), [tEXt('parameters', A1111, 'latin1')]));
    expect(r.parameters).toMatchObject({ positive_prompt: 'a café terrace at night,', scheduler: 'dpmpp_2m_k', seed: 2718281828, loras: [{ model_name: 'van_gogh_style', weight: 0.9 }] });
    expect(r.model_refs.map((m) => `${m.field}:${m.algorithm}`)).toEqual(['loras.0:autov3', 'model:autov2']);
  });

  for (const charset of ['utf16le', 'utf16be'] as const) {
    it(`reads A1111 parameters from a JPEG UserComment in ${charset}`, async () => {
      const tiff = buildTiff({ littleEndian: charset === 'utf16be', exif: [userCommentTag(A1111, charset)] });
      const r = await found(withJpegSegments(await baseJpeg(), [app1Exif(tiff)]));
      expect(r.source).toEqual({ tool: 'automatic1111', version: 'v1.9.4' });
      expect(r.parameters).toMatchObject({ width: 640, height: 896, model: 'dreamshaper_8' });
    });
  }

  it('reads NovelAI from a WebP whose UserComment wraps the PNG chunks', async () => {
    const chunks = { Comment: JSON.stringify({ prompt: 'a fox', uc: 'lowres', steps: 28, scale: 5, seed: 99, width: 832, height: 1216, sampler: 'k_euler', noise_schedule: 'native' }), Software: 'NovelAI', Source: 'NovelAI Diffusion V4.5 C02D4F98' };
    const tiff = buildTiff({ littleEndian: false, ifd0: [asciiTag(0x0131, 'NovelAI Diffusion V4.5 C02D4F98')], exif: [userCommentTag(JSON.stringify(chunks), 'ascii')] });
    const r = await found(withWebpChunks(await baseWebp(), { exif: tiff, width: 64, height: 48 }));
    expect(r).toMatchObject({ format: 'webp', source: { tool: 'novelai' }, parameters: { positive_prompt: 'a fox', scheduler: 'euler', model: 'NovelAI Diffusion V4.5' } });
  });

  it('reads a ComfyUI graph from the Make tag of a WebP', async () => {
    const graph = {
      c: { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'dreamshaper_8.safetensors' } },
      p: { class_type: 'CLIPTextEncode', inputs: { clip: ['c', 1], text: 'a paper boat' } },
      l: { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 768, batch_size: 1 } },
      k: { class_type: 'KSampler', inputs: { model: ['c', 0], positive: ['p', 0], negative: ['p', 0], latent_image: ['l', 0], seed: 11, steps: 20, cfg: 7, sampler_name: 'dpmpp_2m', scheduler: 'karras', denoise: 1 } },
      s: { class_type: 'SaveAnimatedWEBP', inputs: { images: ['k', 0] } },
    };
    const tiff = buildTiff({ littleEndian: true, ifd0: [asciiTag(0x010f, `Prompt: ${JSON.stringify(graph)}`), asciiTag(0x010e, 'Workflow: {"nodes": []}')] });
    const r = await found(withWebpChunks(await baseWebp(), { exif: tiff, width: 64, height: 48 }));
    expect(r).toMatchObject({ source: { tool: 'comfyui' }, parameters: { positive_prompt: 'a paper boat', seed: 11, scheduler: 'dpmpp_2m_k', width: 512, height: 768, model: 'dreamshaper_8' } });
  });

  it('reads Draw Things from a PNG XMP packet', async () => {
    const xmp = xmpPacket(
      { 'dc:description': 'a lighthouse\nSteps: 30, Sampler: Euler A, Guidance Scale: 4.5', 'exif:UserComment': JSON.stringify({ c: 'a lighthouse', seed: 5, steps: 30, scale: 4.5, size: '768x768', model: 'sd_v1.5_f16.ckpt', sampler: 'Euler A' }) },
      { 'xmp:CreatorTool': 'Draw Things' },
    );
    const r = await found(withPngChunks(await basePng(), [iTXt('XML:com.adobe.xmp', xmp)]));
    expect(r).toMatchObject({ source: { tool: 'drawthings' }, parameters: { positive_prompt: 'a lighthouse', scheduler: 'euler_a', width: 768, model: 'sd_v1.5_f16' } });
  });

  it('reads Fooocus from a JPEG: JSON UserComment, Software and MakerNote', async () => {
    const json = JSON.stringify({ prompt: 'a mountain lake', negative_prompt: '', steps: 30, resolution: '(1152, 896)', guidance_scale: 4, sampler: 'dpmpp_2m_sde_gpu', scheduler: 'karras', seed: '7', base_model: 'juggernautXL_v8Rundiffusion', loras: [], version: 'Fooocus v2.5.5' });
    const tiff = buildTiff({ littleEndian: false, ifd0: [asciiTag(0x0131, 'Fooocus v2.5.5')], exif: [userCommentTag(json, 'ascii'), asciiTag(0x927c, 'fooocus')] });
    const r = await found(withJpegSegments(await baseJpeg(), [app1Exif(tiff)]));
    expect(r).toMatchObject({ source: { tool: 'fooocus', version: 'v2.5.5' }, parameters: { positive_prompt: 'a mountain lake', width: 1152, height: 896, seed: 7, scheduler: 'dpmpp_2m_sde_k' } });
  });
});
