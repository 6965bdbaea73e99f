import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { ModelBase, ModelType } from '../../src/shared/models.js';

type Tensors = Record<string, number[]>;

/** Context (cross-attention) width of each SD generation: what the probe reads to tell them apart. */
const CTX: Partial<Record<ModelBase, number>> = { 'sd-1': 768, 'sd-2': 1024, sdxl: 2048, 'sdxl-refiner': 1280 };

/** Tensor names and shapes that make the scanner classify a file as this type and base. */
function tensorsFor(type: ModelType, base: ModelBase): Tensors {
  const ctx = CTX[base] ?? 768;
  switch (type) {
    case 'main':
      if (base === 'flux') return { 'double_blocks.0.img_attn.qkv.weight': [64, 32] };
      if (base === 'flux2') return { 'double_blocks.0.img_attn.qkv.weight': [64, 32], 'double_stream_modulation_img.lin.weight': [8, 8] };
      if (base === 'sd-3') return { 'model.diffusion_model.joint_blocks.0.x_block.attn.qkv.weight': [64, 32] };
      if (base === 'qwen-image') return { 'transformer_blocks.0.img_mod.1.weight': [64, 32] };
      if (base === 'sdxl') return { 'conditioner.embedders.1.model.ln_final.weight': [1280], 'model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight': [640, 2048] };
      return { 'model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight': [320, ctx] };
    case 'lora':
      if (base === 'flux') return { 'lora_unet_double_blocks_0_img_attn_qkv.lora_down.weight': [4, 3072] };
      if (base === 'sdxl') return { 'lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight': [4, 768] };
      return { 'lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight': [4, ctx] };
    case 'controlnet':
      if (base === 'flux') return { 'controlnet_x_embedder.weight': [64, 64] };
      return { 'control_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight': [320, ctx] };
    case 't2i_adapter':
      return { 'adapter.body.0.resnets.0.block1.weight': [32, 32] };
    case 'control_lora':
      return { 'img_in.lora_A.weight': [16, 128], 'img_in.lora_B.weight': [3072, 16] };
    case 'ip_adapter':
      if (base === 'flux') return { 'double_blocks.0.processor.ip_adapter_double_stream_k_proj.weight': [64, 64] };
      return { 'image_proj.proj.weight': [64, 64], 'ip_adapter.1.to_k_ip.weight': [320, ctx] };
    case 'flux_redux':
      return { 'redux_up.weight': [64, 32], 'redux_down.weight': [32, 64] };
    case 'vae':
      return { 'encoder.conv_in.weight': [128, 3, 3, 3], 'decoder.conv_in.weight': [512, base === 'flux' ? 16 : 4, 3, 3] };
    case 'clip_vision':
      return { 'vision_model.encoder.layers.0.mlp.fc1.weight': [64, 32] };
  }
}

/** Bytes of a valid safetensors file holding these (zero-filled, F16) tensors. */
export function safetensorsBytes(tensors: Tensors, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = Object.keys(metadata).length ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, shape] of Object.entries(tensors)) {
    const size = shape.reduce((a, b) => a * b, 1) * 2;
    header[name] = { dtype: 'F16', shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(offset)]);
}

export interface ModelSpec {
  name: string;
  type: ModelType;
  base: ModelBase;
  /** Sub-folder under models/; default `{base}/{type}` (InvokeAI's layout). */
  dir?: string;
}

/** Writes a small model file the scanner classifies as `type`/`base`; returns its absolute path. */
export function writeModelFile(root: string, spec: ModelSpec): string {
  const dir = path.join(root, 'models', spec.dir ?? path.join(spec.base, spec.type));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${spec.name}.safetensors`);
  fs.writeFileSync(file, safetensorsBytes(tensorsFor(spec.type, spec.base)));
  return file;
}

/** Writes a real image of the given size into outputs/images. */
/** Writes an image file dated `ageSeconds` ago, so the gallery's "newest first" has a known order. */
export function writeAgedFile(dir: string, name: string, bytes: Uint8Array, ageSeconds: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  const when = new Date(Date.now() - ageSeconds * 1000);
  fs.utimesSync(file, when, when);
  return file;
}

export async function writeImage(root: string, name: string, width: number, height: number): Promise<string> {
  const dir = path.join(root, 'outputs', 'images');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  const ext = path.extname(name).toLowerCase();
  let img = sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 160 } } });
  img = ext === '.jpg' || ext === '.jpeg' ? img.jpeg() : ext === '.webp' ? img.webp() : ext === '.gif' ? img.gif() : img.png();
  await img.toFile(file);
  return file;
}

/** The models and images the spec's examples name, so every example resolves fully. */
export const SPEC_MODELS: ModelSpec[] = [
  { name: 'sd-1.5', type: 'main', base: 'sd-1' },
  { name: 'FLUX Schnell', type: 'main', base: 'flux' },
  { name: 'FLUX.2 Klein', type: 'main', base: 'flux2' },
  { name: 'add-detail-xl', type: 'lora', base: 'sdxl' },
  { name: 'sd_xl_offset_example-lora_1.0', type: 'lora', base: 'sdxl' },
  { name: 'controlnet-canny-sdxl-1.0', type: 'controlnet', base: 'sdxl' },
  { name: 'controlnet-depth-sdxl-1.0', type: 'controlnet', base: 'sdxl' },
  { name: 'ip-adapter-plus-face_sd15', type: 'ip_adapter', base: 'sd-1' },
];
export const SPEC_IMAGES: { name: string; width: number; height: number }[] = [
  { name: 'my_control_image.png', width: 1024, height: 1024 },
  { name: 'reference_face.png', width: 512, height: 512 },
  { name: 'style_reference.png', width: 1024, height: 1024 },
  { name: 'depth_map.png', width: 1024, height: 768 },
];

/** Registers everything the spec's examples name. */
export async function writeSpecFixtures(root: string): Promise<void> {
  for (const m of SPEC_MODELS) writeModelFile(root, m);
  for (const i of SPEC_IMAGES) await writeImage(root, i.name, i.width, i.height);
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the shared fixture images are: env RECALL_FIXTURES_DIR, else ../shared/fixtures/images beside the repository. */
export const FIXTURE_IMAGES_DIR = process.env.RECALL_FIXTURES_DIR ?? path.resolve(repoRoot, '..', 'shared', 'fixtures', 'images');

/**
 * Whether fixture tests should run. Absent fixtures skip them with a visible notice, except under CI,
 * where they run anyway and fail (the fixtures must be there).
 */
export function fixtureImagesAvailable(suite: string): boolean {
  const present = fs.existsSync(FIXTURE_IMAGES_DIR);
  if (!present && !process.env.CI) {
    console.warn(`[${suite}] fixture images not found at ${FIXTURE_IMAGES_DIR}: skipping (set RECALL_FIXTURES_DIR to run them)`);
  }
  return present || Boolean(process.env.CI);
}
