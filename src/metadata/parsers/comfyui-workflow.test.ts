import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { zRecallParameters } from '../../shared/recall.js';
import { FIXTURE_IMAGES_DIR, fixtureImagesAvailable } from '../../../test/helpers/fixtures.js';
import { interpretMetadata, readImageMetadata } from '../index.js';
import { stripPromptComments, workflowToPrompt } from './comfyui-workflow.js';

function interpret(entries: Record<string, string>) {
  const r = interpretMetadata({ format: 'png', width: 1024, height: 1024, entries });
  if (r.status !== 'found') throw new Error(`expected metadata, got ${r.status}`);
  expect(zRecallParameters.safeParse(r.parameters).success).toBe(true);
  return r;
}

/** A workflow as the editor saves it: nodes with positional widget values, links as arrays. */
function workflow(nodes: object[], links: unknown[][]) {
  return JSON.stringify({ last_node_id: nodes.length, last_link_id: links.length, nodes, links, version: 0.4 });
}
const input = (name: string, link: number | null, widget?: string) => ({ name, type: 'ANY', link, ...(widget ? { widget: { name: widget } } : {}) });

const TXT2IMG_NODES = [
  { id: 4, type: 'CheckpointLoaderSimple', mode: 0, inputs: [], widgets_values: ['sdxl/juggernautXL_v9.safetensors'] },
  { id: 10, type: 'LoraLoader', mode: 0, inputs: [input('model', 1), input('clip', 2)], widgets_values: ['add-detail-xl.safetensors', 0.8, 0.7] },
  { id: 11, type: 'LoraLoader', mode: 4, inputs: [input('model', 3), input('clip', 4)], widgets_values: ['bypassed-style.safetensors', 1, 1] },
  { id: 12, type: 'LoraLoader', mode: 2, inputs: [], widgets_values: ['muted.safetensors', 1, 1] },
  { id: 6, type: 'CLIPTextEncode', mode: 0, inputs: [input('clip', 5)], widgets_values: ['a lighthouse at dusk, /* try: stormy */ oil painting // old idea\nwarm light'] },
  { id: 7, type: 'CLIPTextEncode', mode: 0, inputs: [input('clip', 6)], widgets_values: ['blurry'] },
  { id: 5, type: 'EmptyLatentImage', mode: 0, inputs: [], widgets_values: [832, 1216, 1] },
  { id: 20, type: 'PrimitiveNode', mode: 0, inputs: [], widgets_values: [424242, 'fixed'] },
  {
    id: 3,
    type: 'KSampler',
    mode: 0,
    inputs: [input('model', 7), input('positive', 8), input('negative', 9), input('latent_image', 10), input('seed', 11, 'seed')],
    widgets_values: [1, 'randomize', 28, 6.5, 'dpmpp_2m', 'karras', 1],
  },
  { id: 8, type: 'VAEDecode', mode: 0, inputs: [input('samples', 12), input('vae', 13)], widgets_values: [] },
  { id: 9, type: 'SaveImage', mode: 0, inputs: [input('images', 14)], widgets_values: ['lighthouse'] },
];
const TXT2IMG_LINKS = [
  [1, 4, 0, 10, 0, 'MODEL'],
  [2, 4, 1, 10, 1, 'CLIP'],
  [3, 10, 0, 11, 0, 'MODEL'],
  [4, 10, 1, 11, 1, 'CLIP'],
  [5, 11, 1, 6, 0, 'CLIP'],
  [6, 11, 1, 7, 0, 'CLIP'],
  [7, 11, 0, 3, 0, 'MODEL'],
  [8, 6, 0, 3, 1, 'CONDITIONING'],
  [9, 7, 0, 3, 2, 'CONDITIONING'],
  [10, 5, 0, 3, 3, 'LATENT'],
  [11, 20, 0, 3, 4, 'INT'],
  [12, 3, 0, 8, 0, 'LATENT'],
  [13, 4, 2, 8, 1, 'VAE'],
  [14, 8, 0, 9, 0, 'IMAGE'],
];

/** ComfyUI's SDXL base + refiner example as the editor saves it. */
const REFINER_NODES = [
  { id: 4, type: 'CheckpointLoaderSimple', mode: 0, inputs: [], widgets_values: ['sd_xl_base_1.0.safetensors'] },
  { id: 12, type: 'CheckpointLoaderSimple', mode: 0, inputs: [], widgets_values: ['sd_xl_refiner_1.0.safetensors'] },
  { id: 5, type: 'EmptyLatentImage', mode: 0, inputs: [], widgets_values: [1024, 1024, 1] },
  { id: 6, type: 'CLIPTextEncode', mode: 0, inputs: [input('clip', 1)], widgets_values: ['a glass bottle with a galaxy in it'] },
  { id: 7, type: 'CLIPTextEncode', mode: 0, inputs: [input('clip', 2)], widgets_values: ['text, watermark'] },
  { id: 15, type: 'CLIPTextEncodeSDXLRefiner', mode: 0, inputs: [input('clip', 3)], widgets_values: [6, 1024, 1024, 'a glass bottle with a galaxy in it'] },
  { id: 16, type: 'CLIPTextEncodeSDXLRefiner', mode: 0, inputs: [input('clip', 4)], widgets_values: [2.5, 1024, 1024, 'text, watermark'] },
  {
    id: 10,
    type: 'KSamplerAdvanced',
    mode: 0,
    inputs: [input('model', 5), input('positive', 6), input('negative', 7), input('latent_image', 8)],
    widgets_values: ['enable', 721897303, 'fixed', 25, 8, 'euler', 'normal', 0, 20, 'enable'],
  },
  {
    id: 11,
    type: 'KSamplerAdvanced',
    mode: 0,
    inputs: [input('model', 9), input('positive', 10), input('negative', 11), input('latent_image', 12)],
    widgets_values: ['disable', 0, 'fixed', 25, 7, 'euler', 'normal', 20, 10000, 'disable'],
  },
  { id: 17, type: 'VAEDecode', mode: 0, inputs: [input('samples', 13), input('vae', 14)], widgets_values: [] },
  { id: 19, type: 'SaveImage', mode: 0, inputs: [input('images', 15)], widgets_values: ['ComfyUI'] },
];
const REFINER_LINKS = [
  [1, 4, 1, 6, 0, 'CLIP'],
  [2, 4, 1, 7, 0, 'CLIP'],
  [3, 12, 1, 15, 0, 'CLIP'],
  [4, 12, 1, 16, 0, 'CLIP'],
  [5, 4, 0, 10, 0, 'MODEL'],
  [6, 6, 0, 10, 1, 'CONDITIONING'],
  [7, 7, 0, 10, 2, 'CONDITIONING'],
  [8, 5, 0, 10, 3, 'LATENT'],
  [9, 12, 0, 11, 0, 'MODEL'],
  [10, 15, 0, 11, 1, 'CONDITIONING'],
  [11, 16, 0, 11, 2, 'CONDITIONING'],
  [12, 10, 0, 11, 3, 'LATENT'],
  [13, 11, 0, 17, 0, 'LATENT'],
  [14, 12, 2, 17, 1, 'VAE'],
  [15, 17, 0, 19, 0, 'IMAGE'],
];

describe('ComfyUI UI workflow', () => {
  it('reads an SDXL base + refiner workflow into the main and refiner fields', () => {
    const r = interpret({ workflow: workflow(REFINER_NODES, REFINER_LINKS) });
    expect(r.parameters).toMatchObject({
      seed: 721897303,
      steps: 25,
      cfg_scale: 8,
      model: 'sd_xl_base_1.0',
      positive_prompt: 'a glass bottle with a galaxy in it',
      negative_prompt: 'text, watermark',
      width: 1024,
      height: 1024,
      refiner_model: 'sd_xl_refiner_1.0',
      refiner_steps: 25,
      refiner_cfg_scale: 7,
      refiner_denoise_start: 0.8,
      refiner_positive_aesthetic_score: 6,
      refiner_negative_aesthetic_score: 2.5,
    });
  });

  it('reads an image that carries only the workflow: prompts, model, LoRAs, sampler, size and a seed from a primitive', () => {
    const r = interpret({ workflow: workflow(TXT2IMG_NODES, TXT2IMG_LINKS) });
    expect(r.source).toEqual({ tool: 'comfyui', version: null });
    expect(r.parameters).toMatchObject({
      positive_prompt: 'a lighthouse at dusk,  oil painting \nwarm light',
      negative_prompt: 'blurry',
      model: 'juggernautXL_v9',
      seed: 424242,
      steps: 28,
      cfg_scale: 6.5,
      scheduler: 'dpmpp_2m_k',
      width: 832,
      height: 1216,
      loras: [{ model_name: 'add-detail-xl', weight: 0.8 }],
    });
    expect(r.unmapped.workflow).toMatch(/UI workflow/);
  });

  it('prefers the API prompt graph when both are present', () => {
    const prompt = workflowToPrompt(workflow(TXT2IMG_NODES, TXT2IMG_LINKS))!;
    prompt['4']!.inputs.ckpt_name = 'from-prompt.safetensors';
    const both = interpret({ prompt: JSON.stringify(prompt), workflow: workflow(TXT2IMG_NODES, TXT2IMG_LINKS) });
    expect(both.parameters.model).toBe('from-prompt');
    expect(both.unmapped.workflow).toBeUndefined();
  });

  it('names widget values from the editor\'s widget inputs for nodes it does not know, and accepts object links', () => {
    const graph = workflowToPrompt(
      JSON.stringify({
        nodes: [
          { id: 'a', type: 'MyLoader', inputs: [input('ckpt_name', null, 'ckpt_name'), input('strength', null, 'strength')], widgets_values: ['m.safetensors', 0.5] },
          { id: 'b', type: 'MyNode', inputs: [input('model', 1)], widgets_values: { mode: 'fast' } },
        ],
        links: [{ id: 1, origin_id: 'a', origin_slot: 0, target_id: 'b', target_slot: 0, type: 'MODEL' }],
      }),
    );
    expect(graph).toEqual({
      a: { class_type: 'MyLoader', inputs: { ckpt_name: 'm.safetensors', strength: 0.5 } },
      b: { class_type: 'MyNode', inputs: { mode: 'fast', model: ['a', 0] } },
    });
  });

  it('says so when the prompts hold {a|b} choices made anew for each run', () => {
    const nodes = TXT2IMG_NODES.map((n) => (n.id === 6 ? { ...n, widgets_values: ['a {red|blue} lighthouse'] } : n));
    const r = interpret({ workflow: workflow(nodes, TXT2IMG_LINKS) });
    expect(r.parameters.positive_prompt).toBe('a {red|blue} lighthouse');
    expect(r.unmapped.dynamic_prompts).toMatch(/template/);
  });

  it('is not a workflow when it has no nodes, or none it can read', () => {
    expect(workflowToPrompt('{"nodes": "x"}')).toBeUndefined();
    expect(workflowToPrompt('{"nodes": [{"id": 1}]}')).toBeUndefined();
    expect(workflowToPrompt('not json')).toBeUndefined();
    // Still recognisably ComfyUI's, with nothing to recall.
    expect(interpretMetadata({ format: 'png', width: 1, height: 1, entries: { workflow: '{"nodes": []}' } })).toMatchObject({ status: 'found', parameters: {} });
  });

  it('strips block and line comments as ComfyUI does before a run', () => {
    expect(stripPromptComments('a /* b */ c // d\ne')).toBe('a  c \ne');
  });
});

const COMFY_FIXTURES = ['png/comfyui-save-image-extended.png', 'png/comfyui-saveimagewithmetadata.png'];
const COMPARED = ['positive_prompt', 'negative_prompt', 'model', 'seed', 'steps', 'cfg_scale', 'scheduler', 'width', 'height', 'clip_skip', 'loras'] as const;

describe.skipIf(!fixtureImagesAvailable('comfyui workflow'))('ComfyUI fixture images read from their workflow alone', () => {
  for (const file of COMFY_FIXTURES) {
    it(`${file}: the workflow gives what the prompt graph gives`, async () => {
      const raw = await readImageMetadata(readFileSync(path.join(FIXTURE_IMAGES_DIR, file)));
      const { prompt, workflow: wf } = raw.entries as Record<string, string | undefined>;
      expect(prompt && wf).toBeTruthy();
      const fromPrompt = interpret({ prompt: prompt! });
      const fromWorkflow = interpret({ workflow: wf! });
      for (const field of COMPARED) expect(fromWorkflow.parameters[field], field).toEqual(fromPrompt.parameters[field]);
      // What has no recall field (these seeds are beyond its range; the sampler has no exact scheduler).
      for (const key of ['seed', 'sampler_name', 'scheduler']) expect(fromWorkflow.unmapped[key], key).toEqual(fromPrompt.unmapped[key]);
      expect(fromWorkflow.parameters.positive_prompt).toMatch(/hatsune miku/);
      expect(fromWorkflow.parameters.positive_prompt).not.toMatch(/\/\*/);
    });
  }
});
