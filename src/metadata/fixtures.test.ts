import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { zImageMetadata, type ImageMetadataFound, type MetadataTool, type ModelHashAlgorithm } from '../shared/metadata.js';
import { LIMITS, zRecallParameters } from '../shared/recall.js';
import type { SchedulerName } from '../shared/schedulers.js';
import { FIXTURE_IMAGES_DIR, fixtureImagesAvailable } from '../../test/helpers/fixtures.js';
import { parseImageMetadata } from './index.js';

/**
 * Every fixture image against the values a person reads off its metadata (dumped chunk by chunk and
 * copied here by hand). `sampler` lists the tool's own sampler and schedule where InvokeAI has no
 * exact scheduler for them; `nearest` is what the nearest-match option gives instead.
 */
interface Expected {
  tool: MetadataTool;
  version: string | null;
  width: number;
  height: number;
  positive: string;
  negative: string;
  seed: number;
  steps: number;
  cfg: number;
  scheduler?: SchedulerName;
  sampler?: [string, string];
  nearest?: SchedulerName;
  model: string;
  hash?: [string, ModelHashAlgorithm];
  clipSkip?: number;
}

const WAI = 'waiIllustriousSDXL_v160';
const NEG_A1111 = 'bad quality, worst quality, worst detail, sketch, censor,';
const NEG_COMFY = 'bad quality, worst quality, worst detail, sketch, censor, \n';
const NEG_SPACE = 'bad quality, worst quality, worst detail, sketch, censor, ';
const POS_COMFY = 'general, masterpiece, best quality, amazing quality, \n1girl, solo, hatsune miku, ';
const POS_TEST = 'general, masterpiece, best quality, amazing quality, \n1girl, solo, hatsune miku, テスト';
const POS_HASH_TEST = 'general, masterpiece, best quality, amazing quality, \n1girl, solo, hatsune miku, #テスト';
const AUTOV2: [string, ModelHashAlgorithm] = ['45a21ea00a', 'autov2'];
const SWARM_HASH: [string, ModelHashAlgorithm] = ['22d8cb95b807b0c242576b676a12b07ae6b782b57ae4fe07a07254801b2d5d61', 'autov3'];
const SHA_WAI: [string, ModelHashAlgorithm] = ['a5f58eb1c33616c4f06bca55af39876a7b817913cd829caa8acb111b770c85cc', 'sha256'];
const BLAKE_WAI: [string, ModelHashAlgorithm] = ['7c1631b481e1566448f49db7e3b67a8a9d04742fa3c7d4548a0c81b619160c56', 'blake3'];
const EULER_A_KARRAS = { sampler: ['euler_ancestral', 'karras'] as [string, string], nearest: 'euler_a' as const };
const comfy = (seed: number, hash?: [string, ModelHashAlgorithm]): Expected => ({
  tool: 'comfyui', version: null, width: 1024, height: 1024, positive: POS_COMFY, negative: NEG_COMFY, seed, steps: 20, cfg: 5, ...EULER_A_KARRAS, model: WAI, hash, clipSkip: 1,
});
const swarm = (seed: number): Expected => ({
  tool: 'swarmui', version: '0.9.7.4', width: 1024, height: 1024, positive: POS_HASH_TEST, negative: NEG_SPACE, seed, steps: 20, cfg: 7, ...EULER_A_KARRAS, model: WAI, hash: SWARM_HASH,
});
const webui = (seed: number, cfg: number): Expected => ({
  tool: 'automatic1111', version: 'v1.10.1', width: 1024, height: 1024, positive: POS_TEST, negative: NEG_A1111, seed, steps: 20, cfg, scheduler: 'dpmpp_2m_k', model: WAI, hash: AUTOV2,
});

const FOUND: Record<string, Expected> = {
  'png/comfyui-save-image-extended.png': comfy(779742380066441),
  'png/comfyui-saveimagewithmetadata.png': comfy(38802053347333, AUTOV2),
  'png/forge.png': { tool: 'forge', version: 'f2.0.1v1.10.1-previous-669-gdfdcbab6', width: 1024, height: 1024, positive: POS_TEST, negative: NEG_A1111, seed: 747066619, steps: 25, cfg: 5, scheduler: 'euler_k', model: WAI, hash: AUTOV2 },
  'png/invokeai-en.png': {
    tool: 'invokeai', version: '6.10.0', width: 1024, height: 1024, positive: 'general, masterpiece, best quality, amazing quality, \n1girl, solo, hatsune miku, \n',
    negative: NEG_COMFY, seed: 1860920704, steps: 24, cfg: 6, scheduler: 'euler_a', model: WAI, hash: BLAKE_WAI,
  },
  'png/invokeai.png': {
    tool: 'invokeai', version: '6.10.0', width: 1024, height: 1024, positive: 'general, masterpiece, best quality, amazing quality, \n1girl, solo, hatsune miku, #テスト\n',
    negative: NEG_COMFY, seed: 3951921344, steps: 24, cfg: 6, scheduler: 'euler_a', model: WAI, hash: BLAKE_WAI,
  },
  'png/novelai-full.png': {
    tool: 'novelai', version: null, width: 832, height: 1216, positive: '1girl, solo, hatsune miku, #テスト, very aesthetic, masterpiece, no text',
    negative: 'nsfw, lowres, artistic error, film grain, scan artifacts, worst quality, bad quality, jpeg artifacts, very displeasing, chromatic aberration, dithering, halftone, screentone, multiple views, logo, too many watermarks, negative space, blank page',
    seed: 2043807047, steps: 28, cfg: 5, sampler: ['k_euler_ancestral', 'karras'], nearest: 'euler_a', model: 'NovelAI Diffusion V4.5',
  },
  'png/ruined-fooocus.png': {
    tool: 'ruinedfooocus', version: null, width: 1024, height: 1024, positive: POS_HASH_TEST, negative: NEG_SPACE, seed: 2020047614, steps: 30, cfg: 8, scheduler: 'dpmpp_2m_sde_k',
    model: 'waiNSFWIllustrious_v150', hash: ['befc694a296f75e996488ebf9f9db8a1493bd059b6e704b975829e87d5aeb4fa', 'sha256'], clipSkip: 0,
  },
  'png/sd-next.png': { tool: 'sdnext', version: '56a8aea', width: 1024, height: 1024, positive: POS_HASH_TEST, negative: NEG_A1111, seed: 2427651458, steps: 20, cfg: 6, sampler: ['DDIM', 'exponential'], nearest: 'ddim', model: WAI, hash: AUTOV2 },
  'png/sd-webui.png': webui(3782896554, 7),
  'png/stability-matrix.png': {
    tool: 'stability-matrix', version: null, width: 1024, height: 1024, positive: 'general, masterpiece, best quality, amazing quality, \r\n1girl, solo, hatsune miku, #テスト\r\n',
    negative: 'bad quality, worst quality, worst detail, sketch, censor, \r\n', seed: 395309383, steps: 20, cfg: 5, ...EULER_A_KARRAS, model: WAI, hash: SHA_WAI, clipSkip: 1,
  },
  'png/swarmui.png': swarm(2083100758),
  'png/tensorart.png': {
    tool: 'tensorart', version: null, width: 1024, height: 1024, positive: POS_HASH_TEST, negative: NEG_SPACE, seed: 3036459311, steps: 25, cfg: 7, sampler: ['euler_ancestral', 'karras'], nearest: 'euler_a',
    model: 'WAI-Nsfw-Illustrious-16', hash: SHA_WAI, clipSkip: 1,
  },
  'jpg/civitai.jpeg': { tool: 'civitai', version: null, width: 1024, height: 1024, positive: POS_HASH_TEST, negative: NEG_A1111, seed: 1311178179, steps: 25, cfg: 5, scheduler: 'euler_a', model: 'WAI-illustrious-SDXL', clipSkip: 1 },
  'jpg/comfyui-saveimage-plus.jpg': comfy(577723948579568),
  'jpg/sd-webui.jpg': webui(3623174757, 5.5),
  'jpg/swarmui.jpg': swarm(697543491),
  'webp/comfyui-save-image-extended.webp': comfy(602057552457611),
  'webp/novelai-curated.webp': {
    tool: 'novelai', version: null, width: 1024, height: 1024, positive: '1girl, solo, hatsune miku, #テスト, very aesthetic, masterpiece, no text, -0.8::feet::, rating:general',
    negative: 'blurry, lowres, upscaled, artistic error, scan artifacts, jpeg artifacts, logo, too many watermarks, negative space, blank page',
    seed: 880673757, steps: 23, cfg: 5, sampler: ['k_euler_ancestral', 'karras'], nearest: 'euler_a', model: 'NovelAI Diffusion V4.5',
  },
  'webp/sd-webui.webp': webui(1028435836, 5.5),
  'webp/swarmui.webp': swarm(830680752),
};

/** Images without generation metadata, with their size and any text they do carry. */
const NONE: Record<string, { width: number; height: number; unmapped: Record<string, string> }> = {
  'png/empty.png': { width: 832, height: 1216, unmapped: {} },
  'png/gimp.png': { width: 1024, height: 1024, unmapped: { Comment: 'GIMPで再保存しただけ' } },
  'jpg/empty.jpg': { width: 832, height: 1216, unmapped: {} },
};

const read = (file: string) => readFileSync(path.join(FIXTURE_IMAGES_DIR, file));
const run = fixtureImagesAvailable('metadata fixtures');

describe.skipIf(!run)('fixture images (../shared/fixtures/images)', () => {
  it('are all in the expectation table, so none goes unchecked', () => {
    const files = ['png', 'jpg', 'webp'].flatMap((dir) => readdirSync(path.join(FIXTURE_IMAGES_DIR, dir)).map((f) => `${dir}/${f}`));
    expect(files.sort()).toEqual([...Object.keys(FOUND), ...Object.keys(NONE)].sort());
  });

  it.each(Object.entries(FOUND))('%s parses to the values in its metadata', async (file, e) => {
    const r = await parseImageMetadata(read(file));
    expect(zImageMetadata.safeParse(r).success).toBe(true);
    expect(r.status).toBe('found');
    const m = r as ImageMetadataFound;
    expect(zRecallParameters.safeParse(m.parameters).success).toBe(true);
    expect(m.source).toEqual({ tool: e.tool, version: e.version });
    expect([m.width, m.height]).toEqual([e.width, e.height]);
    const p = m.parameters;
    expect(p.positive_prompt).toBe(e.positive);
    expect(p.negative_prompt).toBe(e.negative);
    expect(p.steps).toBe(e.steps);
    expect(p.cfg_scale).toBe(e.cfg);
    expect([p.width, p.height]).toEqual([e.width, e.height]);
    expect(p.model).toBe(e.model);
    expect(p.loras).toBeUndefined(); // none of the fixtures uses a LoRA
    if (e.clipSkip !== undefined) expect(p.clip_skip).toBe(e.clipSkip);
    // ComfyUI's 64-bit seeds do not fit the recall schema; they are kept, not lost.
    if (e.seed <= LIMITS.seed.max) expect(p.seed).toBe(e.seed);
    else {
      expect(p.seed).toBeUndefined();
      expect(m.unmapped.seed).toBe(e.seed);
    }
    if (e.scheduler) expect(p.scheduler).toBe(e.scheduler);
    else {
      expect(p.scheduler).toBeUndefined();
      expect(Object.values(m.unmapped)).toEqual(expect.arrayContaining(e.sampler ?? []));
    }
    const modelRefs = m.model_refs.filter((ref) => ref.field === 'model');
    expect(modelRefs).toEqual(e.hash ? [{ field: 'model', name: e.model, hash: e.hash[0], algorithm: e.hash[1] }] : []);
  });

  it.each(Object.entries(FOUND).filter(([, e]) => e.nearest))('%s gets the nearest scheduler when asked for one', async (file, e) => {
    const r = (await parseImageMetadata(read(file), { schedulerMatch: 'nearest' })) as ImageMetadataFound;
    expect(r.parameters.scheduler).toBe(e.nearest);
  });

  it.each(Object.entries(NONE))('%s says it has no generation metadata', async (file, e) => {
    const r = await parseImageMetadata(read(file));
    expect(r).toEqual({ status: 'none', format: file.startsWith('png') ? 'png' : 'jpeg', width: e.width, height: e.height, message: 'no generation metadata found', unmapped: e.unmapped });
  });
});
